import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import type { LoadedConfig } from '../../config/index.js';
import { isRoot } from '../../lib/campus/doctor.js';
import { plainEntries } from '../../lib/sandbox/folder.js';
import { signalExitCode, STOP_SIGNALS } from '../../lib/signals.js';
import { leaseUids } from '../../lib/sandbox/uids.js';
import { type CheckReport, notRun, overallVerdict, type StepResult } from '../../lib/check/report.js';
import { type Layout, PROGRAM_PREFIX, PROGRAM_STEPS, readLayout } from '../../lib/check/submission.js';
import { DEFAULT_ZIP_LIMITS, unzip } from '../../lib/check/zip.js';
import { verifyCertificate } from '../../lib/certs/verify.js';
import { isSocklabError, socklabError } from '../../lib/errors.js';
import { socklabVersion } from '../../lib/paths.js';
import { campusProblem, inNamespaces, setUpCampus } from '../campus.js';
import { printJson } from '../context.js';
import { firstBytes, planOf } from './plan.js';
import { type CheckPlan, runPrograms } from './programs.js';
import { reportHtml, reportText } from './render.js';

export interface CheckFlags {
  ca?: string;
  html?: string;
  json?: boolean;
}

interface Submission {
  /** The folder as handed in, or unpacked from the zip. */
  folder: string;
  remove(): void;
}

const usage = (message: string) => socklabError('SOCKLAB_ERR_USAGE', message);

/** A folder, or a zip holding one (or holding the files themselves, then named after the zip). */
async function openSubmission(target: string, maxUnpackedBytes: number): Promise<Submission> {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    throw usage(`${target}: no such file or folder`);
  }
  if (stat.isDirectory()) {
    // A folder that only wraps the submission (Moodle's download: one folder per student holding the zip).
    const entries = readdirSync(target, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.'));
    const only = entries.length === 1 ? entries[0]! : null;
    if (only && (only.isDirectory() || (only.isFile() && path.extname(only.name).toLowerCase() === '.zip'))) return openSubmission(path.join(target, only.name), maxUnpackedBytes);
    return { folder: path.resolve(target), remove: () => undefined };
  }
  if (!stat.isFile() || path.extname(target).toLowerCase() !== '.zip') throw usage(`${target} is neither a submission folder nor a .zip`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-submission-'));
  const remove = () => rmSync(scratch, { recursive: true, force: true });
  try {
    const unpacked = path.join(scratch, 'unpacked');
    await unzip(readFileSync(target), target, unpacked, { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: maxUnpackedBytes });
    let folder = unpacked;
    for (;;) {
      const entries = existsSync(folder) ? readdirSync(folder, { withFileTypes: true }) : [];
      if (entries.length !== 1 || !entries[0]!.isDirectory()) break;
      folder = path.join(folder, entries[0]!.name);
    }
    if (folder === unpacked) {
      folder = path.join(scratch, path.basename(target, path.extname(target)));
      if (existsSync(unpacked)) renameSync(unpacked, folder);
    }
    return { folder, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

function layoutOf(folder: string, target: string): Layout {
  const files = readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name);
  const layout = readLayout(path.basename(folder), files, (name) => firstBytes(path.join(folder, name)));
  const programs = Object.keys(layout.programs).length;
  if (programs === 0 && !layout.key && !layout.cert && !layout.report) {
    throw usage(`${target} is not a submission: no Part*_ program, no report, no key (the handout's Lab3_CAMIPRO1_CAMIPRO2 folder)`);
  }
  return layout;
}

function namesStep(layout: Layout, folder: string): StepResult {
  // Links, FIFOs and devices are never copied to the programs (a link to another group's key, or to /etc/shadow).
  const leftOut = plainEntries(folder).leftOut;
  const note = leftOut.length > 0 ? `; left out, as no program gets them: ${leftOut.map((entry) => `${entry.path} (${entry.kind})`).join(', ')}` : '';
  return {
    step: 'names',
    verdict: layout.problems.length === 0 ? 'pass' : 'fail',
    reason: `${layout.problems.length === 0 ? 'the folder and every file are named as the handout asks' : layout.problems.join('; ')}${note}`,
    evidence: [{ label: 'files found', text: layout.found.join('\n') || 'none of the expected names' }],
    durationMs: 0,
  };
}

/** The CA given with --ca, read up front: a bad one is the user's mistake (exit 2), not the submission's. */
function checkCa(ca: string | undefined): void {
  if (ca === undefined) return;
  let pem: string;
  try {
    pem = readFileSync(ca, 'utf8');
  } catch (error) {
    throw usage(`--ca ${ca} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    forge.pki.certificateFromPem(pem);
  } catch {
    throw usage(`--ca ${ca} is not a PEM certificate (the course's cacert.pem)`);
  }
}

function keysStep(layout: Layout, folder: string, ca: string | undefined): StepResult {
  const started = performance.now();
  const step = (verdict: StepResult['verdict'], reason: string, evidence: StepResult['evidence'] = []): StepResult => ({
    step: 'keys',
    verdict,
    reason,
    evidence,
    durationMs: Math.round(performance.now() - started),
  });
  if (!layout.key || !layout.cert) {
    return layout.programs.part6 ? step('fail', `part 6 needs its key and certificate: ${!layout.key ? 'no private key' : 'no certificate'} in the folder`) : notRun('keys', 'optional bonus: no part 6 key and certificate handed in');
  }
  let report;
  try {
    report = verifyCertificate({ certFile: path.join(folder, layout.cert), keyFile: path.join(folder, layout.key), caFile: ca, checkKeyMode: false });
  } catch (error) {
    if (isSocklabError(error)) return step('fail', error.message.replaceAll(`${folder}${path.sep}`, ''));
    throw error;
  }
  const problems = report.problems.map((problem) => problem.replaceAll(`${folder}${path.sep}`, ''));
  if (report.securityLevel2.startsWith('refused')) problems.push(report.securityLevel2);
  const evidence = [
    {
      label: 'certificate',
      text: [
        `${layout.cert}: ${report.subject}`,
        `issuer: ${report.issuer}`,
        `valid ${report.notBefore} to ${report.notAfter}`,
        `names: ${report.names.join(', ') || 'none'}`,
        `key ${layout.key}: ${report.keyMatches ? 'matches the certificate' : 'does NOT match the certificate'}`,
        report.securityLevel2,
        !ca || report.chained === null ? 'chain: not checked (no --ca)' : `chain: ${report.chained ? `signed by ${path.basename(ca)}` : 'does NOT verify'}`,
        ...report.warnings.map((warning) => `warning: ${warning}`),
      ].join('\n'),
    },
  ];
  if (problems.length > 0) return step('fail', problems.join('; '), evidence);
  return step('pass', `the key matches the certificate${ca ? ', which chains to the CA' : ' (chain not checked: no --ca)'}, valid until ${report.notAfter.slice(0, 10)}; valid for ${report.names.join(', ') || 'no name'}`, evidence);
}

/** Runs the programs inside a campus of their own (socklab check --inside PLAN); null when a signal stopped it. */
async function programSteps(plan: CheckPlan, argv: string[]): Promise<StepResult[] | null> {
  const present = PROGRAM_STEPS.filter((step) => plan.programs[step]);
  const campus = campusProblem();
  const problem = campus ? `socklab campus cannot run here: ${campus}` : spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0 ? null : 'bubblewrap (bwrap), the sandbox, is missing; fix: sudo apt-get install bubblewrap';
  if (problem && present.length > 0) {
    return PROGRAM_STEPS.map((step) => notRun(step, plan.programs[step] ? `no program was run: ${problem}` : `no ${PROGRAM_PREFIX[step]}_… program in the folder`));
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-check-plan-'));
  try {
    const planFile = path.join(scratch, 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    const code = await inNamespaces([...argv, '--inside', planFile], ['ignore', 'ignore', 'inherit']);
    const resultFile = `${planFile}.result.json`;
    if (!existsSync(resultFile)) {
      if (code > 128) return null; // Ctrl-C or SIGTERM: no verdict to give
      return PROGRAM_STEPS.map((step) => notRun(step, `the campus stopped before the programs were judged (exit ${code})`));
    }
    return JSON.parse(readFileSync(resultFile, 'utf8')) as StepResult[];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Checks one submission and returns its report (no output), or null when a signal stopped it. */
async function checkSubmission(loaded: LoadedConfig, target: string, flags: CheckFlags, argv: string[]): Promise<CheckReport | null> {
  checkCa(flags.ca);
  const startedAt = new Date();
  const started = performance.now();
  const submission = await openSubmission(target, loaded.config.check.maxUnpackedBytes);
  try {
    const layout = layoutOf(submission.folder, target);
    const steps = [namesStep(layout, submission.folder), keysStep(layout, submission.folder, flags.ca)];
    // As root, each part's program runs as a user no other program on the machine has (a lease).
    const lease = isRoot() ? leaseUids(PROGRAM_STEPS.length, loaded.config.check.sandboxUid) : null;
    let programs: StepResult[] | null;
    try {
      programs = await programSteps(planOf(layout, submission.folder, loaded.config, flags.ca, lease?.uids ?? null), argv);
    } finally {
      lease?.release();
    }
    if (!programs) return null;
    steps.push(...programs);
    return {
      submission: target,
      folder: path.basename(submission.folder),
      camipro: layout.camipro,
      verdict: overallVerdict(steps),
      steps,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - started),
      socklab: socklabVersion(),
    };
  } finally {
    submission.remove();
  }
}

/** `socklab check PATH`: prints the verdict (text or --json), writes --html; exit 0 all pass, 1 any fails. */
export async function runCheck(loaded: LoadedConfig, target: string, flags: CheckFlags, argv: string[]): Promise<number> {
  if (flags.html && !existsSync(path.dirname(path.resolve(flags.html)))) throw usage(`--html ${flags.html}: the folder ${path.dirname(flags.html)} does not exist`);
  const report = await checkSubmission(loaded, target, flags, argv);
  if (!report) {
    process.stderr.write('socklab check: stopped before every program was judged\n');
    return 130;
  }
  if (flags.html) writeFileSync(flags.html, reportHtml(report));
  if (flags.json) printJson(report);
  else process.stdout.write(reportText(report));
  return report.verdict === 'pass' ? 0 : 1;
}

function readOnly(folder: string): void {
  for (const args of [['--bind', folder, folder], ['-o', 'remount,bind,ro', folder]]) {
    const result = spawnSync('mount', args, { encoding: 'utf8' });
    if (result.status !== 0) throw socklabError('SOCKLAB_ERR_NETWORK', `check: cannot make ${folder} read-only: ${result.stderr.trim()}`);
  }
}

/** The inner half, as the init of the campus's namespaces: run and judge the programs, write the steps beside the plan. */
export async function runCheckInside(loaded: LoadedConfig, planFile: string): Promise<number> {
  // As PID 1 of the namespace, a signal without a handler is ignored: exit, and the kernel ends every program inside.
  for (const signal of STOP_SIGNALS) process.on(signal, () => process.exit(signalExitCode(signal)));
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as CheckPlan;
  const campus = setUpCampus(loaded.config, {});
  try {
    // The submission read-only in the campus's mount namespace: programs work in copies, and even
    // one that runs as socklab's own user (no root) and finds the original cannot change it.
    readOnly(plan.folder);
    const progress = process.stderr.isTTY ? (step: StepResult) => process.stderr.write(`  ${step.verdict.padEnd(8)} ${step.step} (${(step.durationMs / 1000).toFixed(1)} s)\n`) : undefined;
    const steps = await runPrograms(plan, campus.config, campus, progress);
    writeFileSync(`${planFile}.result.json`, JSON.stringify(steps));
    return 0;
  } finally {
    campus.remove();
  }
}
