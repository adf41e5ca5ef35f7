import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { choosePython, reachableByOthers } from '../../lib/python.js';

// Two python3 on a PATH: the first a venv (without the system's packages, so without
// websocket-client), the second Debian's.
const root = mkdtempSync(path.join(os.tmpdir(), 'socklab-python-'));
const made = spawnSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', path.join(root, 'venv')], { encoding: 'utf8' });
const bare = path.join(root, 'venv', 'bin');
const full = path.join(root, 'full');
mkdirSync(full);
symlinkSync('/usr/bin/python3', path.join(full, 'python3'));
const PATH = `${bare}:${full}`;

describe('reachableByOthers', () => {
  it('tells a folder another user can read from one below a private folder', () => {
    expect(reachableByOthers('/usr/lib')).toBe(true);
    const hidden = mkdtempSync(path.join(os.tmpdir(), 'socklab-private-'));
    mkdirSync(path.join(hidden, 'inside'), { mode: 0o755 });
    chmodSync(hidden, 0o700);
    expect(reachableByOthers(path.join(hidden, 'inside'))).toBe(false);
  });
});

describe('choosePython: one interpreter rule for check, campus, notebook and doctor', () => {
  it('takes the first python3 on PATH that has the modules the part needs', () => {
    expect(made.status, made.stderr).toBe(0);
    const standard = choosePython('', [], PATH);
    expect(standard.ok && standard.python.executable).toBe(path.join(bare, 'python3'));
    const websocket = choosePython('', ['websocket'], PATH);
    expect(websocket.ok && websocket.python.executable).toBe(path.join(full, 'python3'));
    expect(websocket.ok && websocket.python.version).toMatch(/^3\.\d+\.\d+$/);
  });

  it('says which module is missing and the line that installs it', () => {
    expect(choosePython('', ['websocket'], bare)).toEqual({ ok: false, problem: `${path.join(bare, 'python3')} has no module websocket; fix: sudo apt-get install python3-websocket (or pip install websocket-client)` });
    expect(choosePython(path.join(bare, 'python3'), ['websocket'], PATH)).toMatchObject({ ok: false, problem: expect.stringMatching(/\(check\.python\) has no module websocket/) });
    expect(choosePython('', [], path.join(root, 'nowhere'))).toEqual({ ok: false, problem: 'no python3 on PATH; fix: sudo apt-get install python3' });
    // One a sandbox's user could not run is passed over, and said why.
    expect(choosePython('', [], bare, () => 'not for this test')).toEqual({ ok: false, problem: `no python3 can be used: ${path.join(bare, 'python3')}: not for this test` });
  });

  it('takes check.python when it is set, by path or by name', () => {
    const configured = choosePython(path.join(full, 'python3'), ['websocket'], bare);
    expect(configured.ok && configured.python.executable).toBe(path.join(full, 'python3'));
    const named = choosePython('python3', [], full);
    expect(named.ok && named.python.executable).toBe(path.join(full, 'python3'));
  });
});
