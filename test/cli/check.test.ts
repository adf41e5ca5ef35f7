import { spawn, spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSubmission, CAMIPRO, CORRECT_PROGRAMS, type CourseMaterial, courseMaterial, FOLDER, type SubmissionSpec } from '../../bench/submission.js';
import { machineChecks } from '../../lib/campus/doctor.js';
import type { CheckReport, StepId } from '../../lib/check/report.js';
import type { ProgramStep } from '../../lib/check/submission.js';
import { CLI, cpuHog, pythonCsv, runCli, waitFor, withoutSocklabVariables } from '../helpers.js';
import { checkJson, checkRoot, FAST, sandboxProcesses as leftBehind, stepOf, twoAtATime } from './check/support.js';

// Every program of these submissions runs inside the campus that `socklab check` makes: a network
// namespace with only lo, the course names on emulators. The programs themselves refuse to run elsewhere.
const canRun = machineChecks({ campusOnly: true }).every((check) => check.ok);
const [ONE, TWO] = CAMIPRO;
const { root, tmp: TMPDIR } = checkRoot('socklab-check-test-');
let material: CourseMaterial;

const SUBMISSIONS: Record<string, SubmissionSpec> = {
  correct: { programs: CORRECT_PROGRAMS, key: 'matching' },
  'raw-reads': { programs: { part2: 'submission/part2_raw_reads.py' } },
  'ipv4-only': { programs: { part3: 'submission/part3_ipv4_only.py' } },
  'no-id': { programs: { 'part4-sender': 'submission/part4_sender_no_id.py' } },
  'key-mismatch': { programs: { part6: 'submission/part6.py' }, key: 'other' },
  // Also a program in JavaScript, which check.run gives to node.
  misnamed: { programs: { part5: 'handout/part5.py', 'part4-sender': 'submission/part4_sender.js' }, names: { part5: `part5_${ONE}_${TWO}.py`, 'part4-sender': `Part4_Sender_${ONE}_${TWO}.js` } },
  'never-exits': { programs: { part5: 'submission/part5_never_exits.py' } },
  'fork-bomb': { programs: { part5: 'submission/part5_fork_bomb.py' } },
  'prints-forever': { programs: { part2: 'submission/part2_prints_forever.py' } },
  'deletes-files': { programs: { part3: 'submission/part3_deletes_files.py' } },
  'prints-escapes': { programs: { part5: 'submission/part5_prints_escapes.py' } },
};

/** The batch beside a CPU hog: a verdict that hangs on timing would differ from the single check's. */
const BATCH = ['correct', 'raw-reads', 'ipv4-only', 'no-id', 'key-mismatch'];

/** What each submission must show: a step and the reason it fails (or every step passing). */
const EXPECTED: Record<string, { step: StepId; reason: RegExp } | 'all pass'> = {
  correct: 'all pass',
  'raw-reads': { step: 'part2', reason: /^CMD_short:0 with the PMU writing 7-byte slices 1 ms apart: / },
  'ipv4-only': { step: 'part3', reason: /never tried IPv6/ },
  'no-id': { step: 'part4-sender', reason: /without the 6-byte ID/ },
  'key-mismatch': { step: 'keys', reason: /does not match the certificate/ },
  misnamed: { step: 'names', reason: new RegExp(`part5_${ONE}_${TWO}\\.py should be named Part5_${ONE}_${TWO}\\.py`) },
  'never-exits': { step: 'part5', reason: /did not exit within 7 s/ },
  'fork-bomb': { step: 'part5', reason: /did not exit within 7 s.*fork bomb/ },
  'prints-forever': { step: 'part2', reason: /printed more than 4194304 bytes and was stopped/ },
  'deletes-files': { step: 'part3', reason: /deleted Part3_123456_654321\.py/ },
  'prints-escapes': { step: 'part5', reason: /CMD_short:0/ },
};

async function check(target: string, extra: string[] = []): Promise<{ code: number | null; report: CheckReport; stderr: string }> {
  // Two checks at once take two job slots, as a batch does: their programs run as users of their own.
  return checkJson(target, TMPDIR, ['--ca', material.caCert, ...extra]);
}

const sandboxProcesses = () => leftBehind(TMPDIR);

describe.runIf(canRun)('socklab check', () => {
  const singles = new Map<string, CheckReport>();

  beforeAll(async () => {
    material = courseMaterial(root);
    for (const [name, spec] of Object.entries(SUBMISSIONS)) buildSubmission(path.join(root, 'batch', name), spec, material);
    // The batch takes the submissions as folders named after them.
    const names = Object.keys(SUBMISSIONS);
    const reports = await twoAtATime(names.map((name) => async () => (await check(path.join(root, 'batch', name, FOLDER))).report));
    names.forEach((name, index) => singles.set(name, reports[index]!));
  }, 240_000);

  it('passes a correct submission (Python, every part) on every step, from a zip, and writes the HTML page', async () => {
    const zip = path.join(root, `${FOLDER}.zip`);
    const made = spawnSync('/usr/bin/python3', ['-m', 'zipfile', '-c', zip, FOLDER], { cwd: path.join(root, 'batch', 'correct'), encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const html = path.join(root, 'correct.html');
    const { code, report } = await check(zip, ['--html', html]);
    expect(report.steps.filter((step) => step.verdict !== 'pass').map((step) => `${step.step}: ${step.reason}`)).toEqual([]);
    expect(code).toBe(0);
    expect(report.folder).toBe(FOLDER);
    expect(report.camipro).toEqual([ONE, TWO]);
    expect(stepOf(report, 'part2').reason).toMatch(/7-byte slices 1 ms apart: all 3 messages, each on its own line/);
    expect(stepOf(report, 'part3').reason).toMatch(/IPv4-only server: OFFSET=\d+ shown, retransmitted after [01]\.\d\d s, [01]\.\d\d s, IPv6 tried too/);
    expect(stepOf(report, 'keys').evidence[0]!.text).toContain('chain: signed by cacert.pem');
    expect(stepOf(report, 'part6').reason).toMatch(/the grader got 5 messages over TLSv1\.[23]; a verifying client accepts the certificate/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Part 4.2: multicast sender');
    expect(page).not.toMatch(/<script/i);
  }, 90_000);

  it.each(Object.keys(EXPECTED))('judges the "%s" submission by the step it gets wrong, with the reason', (name) => {
    const report = singles.get(name)!;
    const expected = EXPECTED[name]!;
    if (expected === 'all pass') {
      expect(report.verdict).toBe('pass');
      return;
    }
    expect(report.verdict).toBe('fail');
    expect(stepOf(report, expected.step).verdict).toBe('fail');
    expect(stepOf(report, expected.step).reason).toMatch(expected.reason);
    // The programs it has, other than the broken one, pass.
    const present = Object.keys(SUBMISSIONS[name]!.programs) as ProgramStep[];
    for (const step of present.filter((step) => step !== expected.step && !(name === 'key-mismatch' && step === 'part6'))) {
      expect(stepOf(report, step).verdict, `${step}: ${stepOf(report, step).reason}`).toBe('pass');
    }
  });

  it('shows a program\'s terminal escapes escaped in the text report: the grader\'s terminal is left as it was', async () => {
    const run = await runCli(['check', path.join(root, 'batch', 'prints-escapes', FOLDER), ...FAST], { TMPDIR }, 90_000);
    expect(run.code).toBe(1);
    const written = Buffer.from(run.stdout, 'utf8');
    // No byte that a terminal obeys: ESC, BEL, CR, the 8-bit CSI; only newlines and printable text.
    expect([...written].filter((byte) => (byte < 0x20 && byte !== 0x0a && byte !== 0x09) || byte === 0x7f)).toEqual([]);
    expect(run.stdout).not.toContain('\u009b');
    expect(run.stdout).toContain('\\x1b[2J\\x1b[H\\x1b]0;all good\\x07PASS: 8 passed, 0 failed, 0 not run.\\x0d');
    expect(run.stdout).toContain('\\x9b31m');
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^FAIL: /);
  }, 90_000);

  it('gives the raw-reads client a pass without slicing, and the evidence of the sliced run', () => {
    const part2 = stepOf(singles.get('raw-reads')!, 'part2');
    expect(part2.evidence.find((item) => item.label === 'CMD_short:0: the emulator received')?.text).toMatch(/CMD_short:0: answered, 3 message/);
    expect(part2.evidence.find((item) => item.label === 'CMD_short:0 with the PMU writing 7-byte slices 1 ms apart: the emulator received')?.text).toMatch(/CMD_short:0: answered, 3 message/);
    expect(part2.reason).toMatch(/printed \d of the 3 messages|holds \d messages|should be "This is PMU data/);
  });

  it('leaves no process of a hostile program behind, and never changes the submission', () => {
    expect(sandboxProcesses()).toEqual([]);
    expect(readdirSync(path.join(root, 'batch', 'deletes-files', FOLDER)).sort()).toEqual(['Part3_123456_654321.py', 'report.pdf']);
    expect(stepOf(singles.get('key-mismatch')!, 'part6').verdict).toBe('fail');
  });

  it('grades a batch beside a CPU hog: grades.csv holds the single runs\' verdicts; killed midway, a second run finishes without redoing', async () => {
    // The submissions whose verdicts hang on timing (part 3's retransmissions, the receiver, the sender) and a few others.
    const batchDir = path.join(root, 'batch-busy');
    for (const name of BATCH) cpSync(path.join(root, 'batch', name), path.join(batchDir, name), { recursive: true });
    cpuHog(2, 150); // two busy loops, one per core, for the length of both runs
    const out = path.join(root, 'grades');
    const batch = spawn(process.execPath, [CLI, 'check', '--batch', batchDir, '--out', out, '--jobs', '2', '--ca', material.caCert, ...FAST], {
      env: { ...withoutSocklabVariables(process.env), TMPDIR },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    batch.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const graded = () => BATCH.filter((name) => existsSync(path.join(out, name, 'report.json')));
    await waitFor('two submissions graded', () => graded().length >= 2, 90_000);
    batch.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => batch.on('close', resolve));
    expect(code, stderr).toBe(143);
    expect(stderr).toMatch(/stopped by SIGTERM; what was finished is kept/);
    const first = new Map(graded().map((name) => [name, statSync(path.join(out, name, 'report.json')).mtimeMs]));
    expect(first.size).toBeLessThan(BATCH.length);
    expect(sandboxProcesses()).toEqual([]);

    const again = await runCli(['check', '--batch', batchDir, '--out', out, '--jobs', '2', '--ca', material.caCert, ...FAST], { TMPDIR }, 180_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`${first.size} already graded`);
    for (const [name, mtime] of first) expect(statSync(path.join(out, name, 'report.json')).mtimeMs).toBe(mtime);

    const [header, ...rows] = readFileSync(path.join(out, 'grades.csv'), 'utf8').trim().split('\n');
    const columns = header!.split(',');
    expect(rows).toHaveLength(BATCH.length);
    for (const row of rows) {
      const cells = Object.fromEntries(row.split(',').map((cell, index) => [columns[index], cell]));
      const single = singles.get(cells.submission!)!;
      expect({ name: cells.submission, verdict: cells.verdict, ...Object.fromEntries(single.steps.map((step) => [step.step, cells[step.step]])) }).toEqual({
        name: cells.submission,
        verdict: single.verdict,
        ...Object.fromEntries(single.steps.map((step) => [step.step, step.verdict])),
      });
    }
    const results = JSON.parse(readFileSync(path.join(out, 'correct', 'results.json'), 'utf8')) as { score: number; max_score: number; tests: Array<{ status: string }> };
    expect(results.tests.every((test) => test.status === 'passed')).toBe(true);
    expect(results.score).toBe(results.max_score + 1); // part 6 is the bonus above max_score
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('href="correct/report.html"');
  }, 240_000);

  it('checks again what OUT holds with --force, and only then', async () => {
    const dir = path.join(root, 'one-submission');
    buildSubmission(path.join(dir, 'no-id'), SUBMISSIONS['no-id']!, material);
    const out = path.join(root, 'grades-force');
    const batch = (...extra: string[]) => runCli(['check', '--batch', dir, '--out', out, ...FAST, ...extra], { TMPDIR }, 60_000);
    expect((await batch()).code).toBe(0);
    const first = statSync(path.join(out, 'no-id', 'report.json')).mtimeMs;
    const again = await batch();
    expect(again.stderr).toContain('1 already graded (kept; --force checks them again), 0 to check');
    expect(statSync(path.join(out, 'no-id', 'report.json')).mtimeMs).toBe(first);
    const forced = await batch('--force');
    expect(forced.stderr).toContain('[1/1] no-id: fail');
    expect(statSync(path.join(out, 'no-id', 'report.json')).mtimeMs).toBeGreaterThan(first);
  }, 60_000);

  /** `socklab check` as user 65534: a user namespace, the programs as that same user. */
  function checkUnprivileged(folder: string): { status: number | null; report: CheckReport } {
    const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'check', folder, '--json', ...FAST], {
      encoding: 'utf8',
      env: { ...withoutSocklabVariables(process.env), HOME: '/tmp', TMPDIR },
      timeout: 90_000,
    });
    return { status: run.status, report: JSON.parse(run.stdout || 'null') as CheckReport };
  }

  it('runs as an unprivileged user too, and a program that finds the original submission cannot change it', () => {
    const correct = checkUnprivileged(path.join(root, 'batch', 'correct', FOLDER));
    expect(correct.report.steps.filter((step) => step.verdict !== 'pass').map((step) => `${step.step}: ${step.reason}`)).toEqual([]);
    expect(stepOf(correct.report, 'keys').reason).toMatch(/chain not checked: no --ca/);
    expect(correct.status).toBe(0);

    const folder = buildSubmission(path.join(root, 'meddler'), { programs: { part3: 'submission/part3_deletes_original.py' } }, material);
    // The user's own folder, its path given to the program: the sandbox shows nothing of it (nor the
    // checker's command line), and the campus's read-only mount would stand behind that.
    writeFileSync(path.join(folder, 'original.txt'), folder);
    for (const name of ['', ...readdirSync(folder)]) chownSync(path.join(folder, name), 65534, 65534);
    const meddler = checkUnprivileged(folder);
    const output = stepOf(meddler.report, 'part3').evidence.find((item) => item.label === 'IPv4-only server: output')?.text;
    expect(output).toMatch(/could not delete the original: \[Errno 2\] No such file or directory/);
    expect(readdirSync(folder).sort()).toEqual(['Part3_123456_654321.py', 'original.txt', 'report.pdf']);
  }, 120_000);
});

describe('socklab check, usage', () => {
  it('refuses odd zips with exit 2 and one line, and a batch gives each a refused row with the reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-check-odd-'));
    const zips: Record<string, Record<string, string>> = {
      'same-name': { [`${FOLDER}/Part2_${ONE}_${TWO}.py`]: 'x', [`${FOLDER}/Part2_${ONE}_${TWO}.py/inside.py`]: 'y' },
      'long-name': { [`${FOLDER}/${'a'.repeat(300)}.py`]: 'x' },
      'nul-name': { [`${FOLDER}/bad?name.py`]: 'x' },
    };
    const script = 'import json, sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    [z.writestr(name, text) for name, text in json.loads(sys.argv[2]).items()]';
    for (const [name, entries] of Object.entries(zips)) {
      const file = path.join(dir, `${name}.zip`);
      expect(spawnSync('/usr/bin/python3', ['-c', script, file, JSON.stringify(entries)]).status).toBe(0);
      if (name === 'nul-name') writeFileSync(file, Buffer.from(readFileSync(file).toString('latin1').replaceAll('bad?name', 'bad\u0000name'), 'latin1'));
      const run = await runCli(['check', file]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^socklab: not a submission: .* is not a zip archive socklab can read: /);
    }
    const out = path.join(dir, 'out');
    const batch = await runCli(['check', '--batch', dir, '--out', out]);
    expect(batch.code, batch.stderr).toBe(0);
    const [header, ...rows] = pythonCsv(readFileSync(path.join(out, 'grades.csv'), 'utf8'));
    expect(rows.map((row) => [row[0], row[header!.indexOf('verdict')]])).toEqual(Object.keys(zips).sort().map((name) => [`${name}.zip`, 'refused']));
    for (const row of rows) expect(row.at(-1)).toMatch(/not a submission: /);
  });

  it('exits 2 with one line for no such path, a folder that is no submission, a bad zip and a bad --ca', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'socklab-check-empty-'));
    mkdirSync(path.join(empty, 'notes'));
    writeFileSync(path.join(empty, 'notes', 'todo.txt'), 'not a submission');
    const badZip = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-check-zip-')), 'Lab3_123456_654321.zip');
    writeFileSync(badZip, 'PK\u0003\u0004 this is not really a zip');
    const cases: Array<[string[], RegExp]> = [
      [['check', path.join(empty, 'nothing')], /nothing: no such file or folder/],
      [['check', path.join(empty, 'notes')], /is not a submission: no Part\*_ program, no report, no key/],
      [['check', badZip], /is not a zip archive socklab can read: no end of central directory/],
      [['check', empty, '--ca', badZip], /--ca .* is not a PEM certificate/],
      [['check'], /check needs a submission/],
      [['check', '--batch', empty], /--batch needs --out/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });
});
