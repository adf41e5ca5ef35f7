import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzip } from '../../../lib/check/zip.js';

/** A zip of `entries`, written by Python's zipfile (an independent writer), deflated. */
function pythonZip(entries: Record<string, string>): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-zip-test-'));
  const file = path.join(dir, 'made.zip');
  const script = `import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in json.loads(sys.argv[2]).items():
        z.writestr(name, text)`;
  const made = spawnSync('/usr/bin/python3', ['-c', script, file, JSON.stringify(entries)], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  return readFileSync(file);
}

const target = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-unzip-test-')), 'out');

describe('unzip', () => {
  it('unpacks what Python\'s zipfile wrote, byte for byte, leaving out Mac clutter', () => {
    const program = 'print("This is PMU data 1")\n'.repeat(200);
    const out = target();
    const result = unzip(pythonZip({ 'Lab3_1_2/Part2.py': program, 'Lab3_1_2/report.pdf': '%PDF', '__MACOSX/Lab3_1_2/._Part2.py': 'x', 'Lab3_1_2/.DS_Store': 'x' }), 'made.zip', out);
    expect(result.files.sort()).toEqual(['Lab3_1_2/Part2.py', 'Lab3_1_2/report.pdf']);
    expect(readFileSync(path.join(out, 'Lab3_1_2', 'Part2.py'), 'utf8')).toBe(program);
  });

  it('skips names that would leave the folder (zip slip), and never writes outside it', () => {
    const out = target();
    const result = unzip(pythonZip({ '../escaped.txt': 'x', '/etc/absolute.txt': 'x', 'ok.txt': 'fine' }), 'evil.zip', out);
    expect(result.skipped).toEqual(['../escaped.txt', '/etc/absolute.txt']);
    expect(result.files).toEqual(['ok.txt']);
    expect(() => readFileSync(path.join(out, '..', 'escaped.txt'))).toThrow();
  });

  it('refuses a truncated archive, a damaged entry and an archive that unpacks too large, naming the file', () => {
    const zip = pythonZip({ 'a.txt': 'hello world '.repeat(1000) });
    expect(() => unzip(zip.subarray(0, zip.length - 30), 'cut.zip', target())).toThrow(/cut\.zip is not a zip archive socklab can read: no end of central directory/);
    const damaged = Buffer.from(zip);
    damaged[40] ^= 0xff; // inside the deflated data
    expect(() => unzip(damaged, 'bad.zip', target())).toThrow(/bad\.zip is not a zip archive socklab can read: a\.txt (does not inflate|fails its CRC check)/);
    expect(() => unzip(zip, 'big.zip', target(), { maxEntries: 10, maxTotalBytes: 1000 })).toThrow(/unpacks to more than 1000 bytes/);
    expect(() => unzip(Buffer.from('not a zip at all, really'), 'text.zip', target())).toThrow(/no end of central directory/);
  });

  it('reads a stored (uncompressed) entry', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-zip-test-'));
    const file = path.join(dir, 'stored.zip');
    const made = spawnSync('/usr/bin/python3', ['-c', `import zipfile\nwith zipfile.ZipFile('${file}', 'w', zipfile.ZIP_STORED) as z: z.writestr('s.txt', 'stored text')`]);
    expect(made.status).toBe(0);
    const out = target();
    unzip(readFileSync(file), 'stored.zip', out);
    expect(readFileSync(path.join(out, 's.txt'), 'utf8')).toBe('stored text');
  });
});
