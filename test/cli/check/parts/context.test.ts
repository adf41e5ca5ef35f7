import { describe, expect, it } from 'vitest';
import { crashReason } from '../../../../cli/check/parts/context.js';
import type { ProgramRun } from '../../../../lib/sandbox/program.js';

const run = (overrides: Partial<ProgramRun>): ProgramRun => ({
  end: 'exited', exitCode: 1, signal: null, stdout: '', stderr: '', durationMs: 10, cpuSeconds: null, peakMemoryBytes: null,
  processesAtStop: 0, processLimitHit: false, limitsApplied: '', folderChanges: [], leftOut: [], ...overrides,
});

describe('crashReason', () => {
  it('names the real cause: the last line of a traceback, and what to do about a 1024-bit key', () => {
    expect(crashReason(run({ stderr: 'Traceback (most recent call last):\n  File "p.py", line 3\nIndexError: list index out of range\n' }))).toBe('it crashed: IndexError: list index out of range');
    expect(crashReason(run({ stderr: 'Traceback (most recent call last):\nssl.SSLError: [SSL: EE_KEY_TOO_SMALL] ee key too small (_ssl.c:3900)\n' }))).toBe('Python refused the 1024-bit key (security level 2): make a 2048-bit key');
    expect(crashReason(run({ exitCode: 0, stderr: 'Traceback (most recent call last):\nValueError: x\n' }))).toBeNull(); // it went on
    expect(crashReason(run({ stderr: 'usage: p.py COMMAND\n' }))).toBeNull();
    expect(crashReason(run({ end: 'timed out', stderr: 'Traceback (most recent call last):\nKeyboardInterrupt\n' }))).toBeNull();
  });
});
