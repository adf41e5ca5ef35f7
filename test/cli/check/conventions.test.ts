import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSubmission, CONVENTION_PROGRAMS, type CourseMaterial, courseMaterial, FOLDER, type SubmissionSpec } from '../../../bench/submission.js';
import { machineChecks } from '../../../lib/campus/doctor.js';
import { runCli } from '../../helpers.js';
import type { CheckReport } from '../../../lib/check/report.js';
import { checkJson, checkRoot, sandboxProcesses, stepOf, twoAtATime } from './support.js';

// Issue 23: programs in the shapes real solutions take, each run unchanged as its author meant.
const canRun = machineChecks({ campusOnly: true }).every((check) => check.ok);
const { root, tmp } = checkRoot('socklab-check-conventions-');
let material: CourseMaterial;

const SUBMISSIONS: Record<string, SubmissionSpec> = {
  // One calling convention per part, none of them the handout's "command as the only argument".
  conventions: { programs: CONVENTION_PROGRAMS, key: 'matching' },
  // No arguments: each runs every scenario of its part in one go; a sender of one line per run.
  'own-scenarios': {
    programs: { part2: 'conventions/part2_every_scenario.py', part5: 'conventions/part5_every_scenario.py', 'part4-sender': 'conventions/part4_sender_one_line.py' },
  },
  // One program per cause of a misleading verdict.
  causes: {
    programs: { part2: 'conventions/part2_both_short.py', 'part4-receiver': 'conventions/part4_receiver_crashes.py', part6: 'conventions/part6_never_closes.py' },
    key: 'matching',
  },
  // The handout's own `openssl genrsa … 1024` key.
  'weak-key': { programs: { part6: 'submission/part6.py' }, key: 'weak' },
};

const how = (report: CheckReport, step: Parameters<typeof stepOf>[1]) =>
  stepOf(report, step).evidence.filter((item) => item.label.endsWith('how it was called')).map((item) => item.text).join('\n');

describe.runIf(canRun)('socklab check, on programs as students write them', () => {
  const singles = new Map<string, CheckReport>();

  beforeAll(async () => {
    material = courseMaterial(root);
    for (const [name, spec] of Object.entries(SUBMISSIONS)) buildSubmission(path.join(root, 'batch', name), spec, material);
    const names = Object.keys(SUBMISSIONS);
    const reports = await twoAtATime(names.map((name) => async () => (await checkJson(path.join(root, 'batch', name, FOLDER), tmp, ['--ca', material.caCert])).report));
    names.forEach((name, index) => singles.set(name, reports[index]!));
  }, 240_000);

  it('finds how each program wants to be called (HOST PORT COMMAND, the 60-run experiment, GROUP PORT, GROUP PORT ID, a menu, CERT KEY) and passes every part', () => {
    const report = singles.get('conventions')!;
    expect(report.steps.filter((step) => step.verdict !== 'pass').map((step) => `${step.step}: ${step.reason}`)).toEqual([]);
    // The evidence names the interpreter (check.python's rule: the first python3 on PATH with the part's modules).
    expect(how(report, 'part5')).toMatch(/^run with Python 3\.\d+\.\d+ \(\/.*python3\)$/m);
    expect(how(report, 'part2')).toMatch(/^COMMAND, "COMMAND\\n" typed: it printed "Usage: .* HOST PORT COMMAND", so the next way was tried\nHOST PORT COMMAND: it ran$/m);
    expect(how(report, 'part4-receiver')).toMatch(/no arguments: IndexError: list index out of range \(on sys\.argv\), so the next way was tried\nGROUP PORT: it ran/);
    expect(how(report, 'part4-sender')).toMatch(/GROUP PORT ID, "LINES" typed: it ran/);
    expect(how(report, 'part5')).toMatch(/ValueError: invalid literal for int\(\).*\(on what was typed\).*\n.*EOFError.*\n.*EOFError.*\nno arguments, "MENU\\nDELAY\\n" typed: it ran/);
    expect(how(report, 'part6')).toMatch(/CERT KEY: it ran/);
    // The experiment runs for minutes: judged on its first exchange per family, then stopped.
    expect(stepOf(report, 'part3').evidence.map((item) => item.text).join('\n')).toContain('the program was stopped once its first exchange was over');
    expect(stepOf(report, 'part2').reason).toMatch(/CMD_floodme: the whole 1048576-byte flood printed/);
    expect(stepOf(report, 'part5').reason).toMatch(/CMD_floodme over WebSocket: the whole 1048576-byte flood printed/);
  });

  it('judges a program that runs every scenario itself on each session it opened', () => {
    const report = singles.get('own-scenarios')!;
    expect(report.steps.filter((step) => ['part2', 'part5', 'part4-sender'].includes(step.step) && step.verdict !== 'pass').map((step) => `${step.step}: ${step.reason}`)).toEqual([]);
    expect(stepOf(report, 'part2').reason).toMatch(/^CMD_short:0: all 3 messages, each on its own line \(3 sessions in that run, each judged\)/);
    expect(stepOf(report, 'part2').evidence.find((item) => item.label === 'CMD_short:1: judged on')?.text).toBe('the run of "CMD_short:0", which opened a CMD_short:1 session too');
    expect(stepOf(report, 'part4-sender').reason).toMatch(/line 2 of its input was not sent \(a sender of one line per run\)/);
  });

  it('names the real cause: the other command sent, the receiver\'s crash, a server that never closes, the 1024-bit key', () => {
    const causes = singles.get('causes')!;
    // CMD_short:0 then CMD_short:1 in one run, whatever it is asked: both CMD_short scenarios pass.
    expect(stepOf(causes, 'part2').reason).toBe('CMD_floodme: sent CMD_short:0, CMD_short:1 when asked for CMD_floodme');
    expect(stepOf(causes, 'part4-receiver').reason).toMatch(/^receiver: it crashed: NameError: name 'show_message' is not defined/);
    expect(stepOf(causes, 'part6').reason).toMatch(/^TLS server: sent 1 message but never closed the connection/);
    expect(stepOf(singles.get('weak-key')!, 'part6').reason).toMatch(/Python refused the 1024-bit key \(security level 2\): make a 2048-bit key/);
    expect(sandboxProcesses(tmp)).toEqual([]);
  });

  it('lets a TA pin one way for a class: a program that wants another is then failed, with what it said; a bad pin is refused', async () => {
    const folder = buildSubmission(path.join(root, 'pinned'), { programs: { part2: 'conventions/part2_host_port_command.py' } }, material);
    const { report } = await checkJson(folder, tmp, ['--check.conventions.part2', '[{"args": ["{command}"]}]']);
    expect(stepOf(report, 'part2').verdict).toBe('fail');
    expect(stepOf(report, 'part2').reason).toMatch(/^CMD_short:0: no way of calling it worked: COMMAND \(it printed "Usage: .* HOST PORT COMMAND"\)/);
    expect(how(report, 'part2')).toMatch(/COMMAND: it printed "Usage: .*", and no way is left$/m);
    const bad = await runCli(['check', folder, '--check.conventions.part2', '[{"args": ["{nope}"]}]']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/check\.conventions\.part2: must be a non-empty list of \{"args": \[\.\.\.\], "stdin": "\.\.\."\} whose placeholders are among \{command\}/);
  }, 60_000);
});
