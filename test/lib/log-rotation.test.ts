import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotateIfLarger, rotateLogs } from '../../lib/log-rotation.js';
import { waitFor } from '../helpers.js';

describe('log rotation', () => {
  it('leaves a small file alone', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-rot-')), 'app-out.log');
    writeFileSync(file, 'short\n');
    expect(await rotateIfLarger(file, 100, 3)).toBe(false);
    expect(existsSync(`${file}.1`)).toBe(false);
  });

  it('copies, truncates, shifts older copies and keeps only `keep` of them', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-rot-')), 'app-out.log');
    for (const generation of ['a', 'b', 'c', 'd']) {
      writeFileSync(file, `${generation.repeat(200)}\n`);
      expect(await rotateIfLarger(file, 100, 3)).toBe(true);
    }
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(readFileSync(`${file}.1`, 'utf8')[0]).toBe('d');
    expect(readFileSync(`${file}.2`, 'utf8')[0]).toBe('c');
    expect(readFileSync(`${file}.3`, 'utf8')[0]).toBe('b');
    expect(existsSync(`${file}.4`)).toBe(false);
    // a writer in append mode (as pm2's) goes on at the start of the emptied file
    appendFileSync(file, 'after\n');
    expect(readFileSync(file, 'utf8')).toBe('after\n');
  });

  it('checks its files periodically, as each service does with its pm2 logs', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-rot-')), 'app-out.log');
    writeFileSync(file, 'x'.repeat(500));
    const rotation = rotateLogs([file, '/nonexistent/app-error.log'], 100, 2, 20);
    await waitFor('the first periodic check to rotate the file', () => existsSync(`${file}.1`) && statSync(file).size === 0);
    rotation.stop();
    expect(readFileSync(file, 'utf8')).toBe('');
    expect(readFileSync(`${file}.1`, 'utf8')).toHaveLength(500);
  });

  it('ignores a missing file', async () => {
    expect(await rotateIfLarger('/nonexistent/socklab.log', 1, 1)).toBe(false);
  });
});
