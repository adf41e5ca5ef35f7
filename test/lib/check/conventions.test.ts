import { describe, expect, it } from 'vitest';
import { describeConvention, fillConvention, isConvention, usageError } from '../../../lib/check/conventions.js';
import type { ProgramRun } from '../../../lib/sandbox/program.js';

const run = (overrides: Partial<ProgramRun>): ProgramRun => ({
  end: 'exited', exitCode: 1, signal: null, stdout: '', stderr: '', durationMs: 10, cpuSeconds: null, peakMemoryBytes: null,
  processesAtStop: 0, processLimitHit: false, limitsApplied: '', folderChanges: [], leftOut: [], ...overrides,
});
const traceback = (line: string, last: string) => `Traceback (most recent call last):\n  File "p.py", line 3, in <module>\n    ${line}\n${last}\n`;

describe('calling conventions', () => {
  it('fills the placeholders, and skips a convention whose value is missing here', () => {
    expect(fillConvention({ args: ['{host}', '{port}', '{command}'] }, { host: 'tcpip.epfl.ch', port: '5003', command: 'CMD_short:0' })).toEqual({ args: ['tcpip.epfl.ch', '5003', 'CMD_short:0'] });
    expect(fillConvention({ args: [], stdin: '{menu}\n{delay}\n' }, { menu: '1', delay: '0' })).toEqual({ args: [], stdin: '1\n0\n' });
    expect(fillConvention({ args: ['{id}'] }, {})).toBeNull();
  });

  it('says each in a TA\'s words', () => {
    expect(describeConvention({ args: ['{group}', '{port}', '{id}'], stdin: '{lines}' })).toBe('GROUP PORT ID, "LINES" typed');
    expect(describeConvention({ args: [] })).toBe('no arguments');
  });

  it('takes only known placeholders and the two fields', () => {
    expect(isConvention({ args: ['{cert}', '{key}'] })).toBe(true);
    expect(isConvention({ args: ['{hots}'] })).toBe(false);
    expect(isConvention({ args: [], stdin: 1 })).toBe(false);
    expect(isConvention({ args: [], extra: true })).toBe(false);
  });

  it('tells a program called the wrong way from one that fails for its own bugs', () => {
    expect(usageError(run({ stderr: traceback('host = sys.argv[1]', 'IndexError: list index out of range') }), false)).toBe('IndexError: list index out of range (on sys.argv)');
    expect(usageError(run({ stderr: traceback('port = int(sys.argv[2])', "ValueError: invalid literal for int() with base 10: 'CMD_short:0'") }), false)).toMatch(/\(on sys\.argv\)$/);
    expect(usageError(run({ stderr: traceback("choice = int(input('Enter 1 or 2: '))", 'EOFError: EOF when reading a line') }), false)).toBe('it waited for input that was not given (EOFError)');
    expect(usageError(run({ stderr: traceback("choice = int(input('Enter 1 or 2: '))", "ValueError: invalid literal for int() with base 10: 'CMD_short:0'") }), false)).toMatch(/\(on what was typed\)$/);
    expect(usageError(run({ exitCode: 2, stderr: 'usage: part2.py [-h] host port command\npart2.py: error: the following arguments are required: port, command\n' }), false)).toBe('it printed "usage: part2.py [-h] host port command"');
    expect(usageError(run({ exitCode: 1, stdout: 'Usage: part2.py HOST PORT COMMAND\n' }), false)).toBe('it printed "Usage: part2.py HOST PORT COMMAND"');
    expect(usageError(run({ exitCode: 2 }), false)).toBe('it exited with status 2 before reaching any server');
    // Not a usage error: it reached the server, it crashed on something else, it ran on, it meddled.
    expect(usageError(run({ stderr: traceback('host = sys.argv[1]', 'IndexError: list index out of range') }), true)).toBeNull();
    expect(usageError(run({ stderr: traceback('print(messages[7])', 'IndexError: list index out of range') }), false)).toBeNull();
    expect(usageError(run({ end: 'timed out', stdout: 'usage: x' }), false)).toBeNull();
    expect(usageError(run({ exitCode: 2, folderChanges: ['deleted a.py'] }), false)).toBeNull();
  });
});
