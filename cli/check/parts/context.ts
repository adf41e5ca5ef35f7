import type { Config } from '../../../config/schema.js';
import { type Convention, describeConvention, fillConvention, type PlaceholderValues, usageError } from '../../../lib/check/conventions.js';
import { type Judgement } from '../../../lib/check/judge.js';
import { type Evidence, type StepResult, trimmed } from '../../../lib/check/report.js';
import { describeEnd, describeUsage, type ProgramRun, SandboxedProgram, type SandboxLimits } from '../../../lib/sandbox/program.js';
import type { CourseEmulator, CourseHost } from '../../../lib/campus/hosts.js';
import type { StudentHost } from '../../../lib/campus/network.js';
import type { Logger } from '../../../lib/logger.js';
import { PROGRAM_STEPS, type ProgramStep } from '../../../lib/check/submission.js';


/** What the outer `socklab check` hands the inner one, which runs in the campus. */
export interface CheckPlan {
  folder: string;
  camipro: string[];
  /**
   * Each part's command (interpreter and file), the interpreter in words for the evidence, and the
   * folders outside /usr it reads (a venv's Python, bound read-only into the sandbox); or why it is not run.
   */
  programs: Partial<Record<ProgramStep, { file: string; command: string[]; interpreter: string; readOnly: string[] } | { file: string; reason: string }>>;
  ca: string | null;
  /**
   * When socklab is root: the users the parts' programs run as, one each, leased for this check
   * alone (lib/sandbox/uids.ts); null runs them as socklab's own user, each in a user namespace.
   */
  uids: number[] | null;
  /** The invoking user's processes outside the campus (RLIMIT_NPROC without a user of its own). */
  processBase: number;
  /** The part 6 key and certificate, by their names in the folder ({cert} and {key} of the conventions). */
  cert: string | null;
  key: string | null;
}

/** The campus the programs run in: the course hosts, and a student host of its own per part. */
export interface CheckCampus {
  hosts: readonly CourseHost[];
  hostsFile: string;
  student(index: number): Promise<StudentHost>;
}

export interface Context {
  plan: CheckPlan;
  config: Config;
  limits: SandboxLimits;
  timeoutMs: number;
  /** Each part's student host: one part's program cannot answer for another's (a datagram's source says whose it is). */
  hostOf: (step: ProgramStep) => StudentHost;
  courseHosts: readonly CourseHost[];
  /** The campus's hosts file, which the programs see as /etc/hosts. */
  hostsFile: string;
  /** For the emulators: quiet, since they report to the checker through typed records. */
  logger: Logger;
  /** The way each part's program turned out to be called, once a run showed it: its other scenarios use it at once. */
  found: Map<ProgramStep, Convention>;
}

/** Runs started so far: each names its cgroup. */
let runs = 0;

/** The course hosts that run `emulator`. */
export const hostsRunning = (context: Context, emulator: CourseEmulator) => context.courseHosts.filter((host) => host.emulators.includes(emulator));

/** The TCP emulators listen on every course address at once (both families); TCP answers from the address it was reached at. */
export const ALL_COURSE_ADDRESSES = '::';


export function start(context: Context, step: ProgramStep, args: string[], options: { stdin?: string; timeoutMs?: number } = {}): SandboxedProgram {
  const program = context.plan.programs[step];
  if (!program || !('command' in program)) throw new Error(`no command for ${step}`);
  return new SandboxedProgram({
    command: [...program.command, ...args],
    readOnly: program.readOnly,
    folder: context.plan.folder,
    stdin: options.stdin,
    timeoutMs: options.timeoutMs ?? context.timeoutMs,
    limits: context.limits,
    uid: context.plan.uids?.[PROGRAM_STEPS.indexOf(step)] ?? null,
    processBase: context.plan.processBase,
    network: { netns: context.hostOf(step).netns },
    hostsFile: context.hostsFile,
    name: `${process.pid}-${step}-${++runs}`,
  });
}

export function ended(context: Context, run: ProgramRun, timeoutMs = context.timeoutMs): string {
  return describeEnd(run, { timeoutMs, outputBytes: context.limits.outputBytes, processes: context.limits.processes });
}

export function outputEvidence(label: string, run: ProgramRun, context: Context, timeoutMs?: number): Evidence[] {
  return [
    { label: `${label}: how it ended`, text: `${ended(context, run, timeoutMs)}\n${describeUsage(run)}` },
    ...(run.stdout.trim() ? [{ label: `${label}: output`, text: trimmed(run.stdout) }] : []),
    ...(run.stderr.trim() ? [{ label: `${label}: errors`, text: trimmed(run.stderr, 15) }] : []),
    ...(run.folderChanges.length > 0 ? [{ label: `${label}: its folder afterwards`, text: run.folderChanges.join('\n') }] : []),
  ];
}

/**
 * The real cause when a program died of an error, in the words that help: the last line of
 * Python's traceback, and for the handout's own `openssl genrsa … 1024` key, what to do about it.
 */
export function crashReason(run: ProgramRun): string | null {
  if (/EE_KEY_TOO_SMALL|key too small/i.test(run.stderr)) return 'Python refused the 1024-bit key (security level 2): make a 2048-bit key';
  if (run.end !== 'exited' || run.exitCode === 0 || !/Traceback \(most recent call last\)/.test(run.stderr)) return null;
  const last = run.stderr.trim().split('\n').at(-1)!.trim();
  return `it crashed: ${last.slice(0, 200)}`;
}

/** What a program did to its copy of the submission, as a reason. */
export const folderChanged = (run: ProgramRun): string => `it ${run.folderChanges.join(', ')} in its folder`;

/** A judgement that passed, failed after all when the program changed its files (the first thing to fix). */
export function unlessFolderChanged(judgement: Judgement, run: ProgramRun): Judgement {
  return judgement.ok && run.folderChanges.length > 0 ? { ok: false, reason: folderChanged(run) } : judgement;
}

/**
 * A client's verdict: what it did (`content`), but first whether it ended by itself (unless the
 * checker stopped it once it had seen enough) and left the submitted files alone, since a program
 * stopped or meddling is the thing to fix first.
 */
export function clientVerdict(context: Context, run: ProgramRun, content: Judgement, timeoutMs?: number, stoppedOnPurpose = false): Judgement {
  const also = content.ok ? '' : `; ${content.reason}`;
  if (run.folderChanges.length > 0) return { ok: false, reason: `${folderChanged(run)}${also}` };
  const crash = content.ok ? null : crashReason(run);
  if (crash) return { ok: false, reason: `${crash}${also}` };
  if (run.end !== 'exited' && !stoppedOnPurpose) return { ok: false, reason: `${ended(context, run, timeoutMs)}${also}`, timing: run.end === 'timed out' };
  return content;
}

/** Flushes what the emulators recorded on their way out before it is read. */
export const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const CONVENTION_KEYS: Record<ProgramStep, keyof Config['check']['conventions']> = {
  part2: 'part2',
  part3: 'part3',
  'part4-receiver': 'part4Receiver',
  'part4-sender': 'part4Sender',
  part5: 'part5',
  part6: 'part6',
};

/** One run of a program, and whether it reached what it was to reach (a server, the group; a server: it listened). */
export interface Tried<T> {
  run: ProgramRun;
  contacted: boolean;
  result: T;
}

export interface Adapted<T> extends Tried<T> {
  /** How it was called, one line per attempt, for the evidence. */
  attempts: string[];
  /** Set when every convention ended in a usage error. */
  noConvention: string | null;
}

/**
 * Runs a part's program the way a TA would find out how it wants to be called: each convention
 * of `check.conventions.<part>` in order, until a run is not a usage error. The convention found
 * is kept, so the part's other scenarios use it at once.
 */
export async function runAdapting<T>(
  context: Context,
  step: ProgramStep,
  values: PlaceholderValues,
  once: (call: { args: string[]; stdin?: string }) => Promise<Tried<T>>,
): Promise<Adapted<T>> {
  const known = context.found.get(step);
  const conventions = known ? [known] : context.config.check.conventions[CONVENTION_KEYS[step]];
  const program = context.plan.programs[step];
  const attempts: string[] = program && 'interpreter' in program ? [`run with ${program.interpreter}`] : [];
  const usages: string[] = [];
  let last: Tried<T> | undefined;
  const callable = conventions.flatMap((convention) => {
    const call = fillConvention(convention, values);
    return call ? [{ convention, call }] : [];
  });
  for (const [index, { convention, call }] of callable.entries()) {
    last = await once(call);
    const usage = usageError(last.run, last.contacted);
    if (!usage) {
      context.found.set(step, convention);
      attempts.push(`${describeConvention(convention)}: ${known ? 'as found before' : 'it ran'}`);
      return { ...last, attempts, noConvention: null };
    }
    attempts.push(`${describeConvention(convention)}: ${usage}, ${index < callable.length - 1 ? 'so the next way was tried' : 'and no way is left'}`);
    usages.push(`${describeConvention(convention)} (${usage})`);
  }
  if (!last) throw new Error(`no convention of check.conventions.${CONVENTION_KEYS[step]} has its values here`);
  return { ...last, attempts, noConvention: `no way of calling it worked: ${usages.join('; ')}` };
}

export const attemptsEvidence = (label: string, attempts: string[]): Evidence => ({ label: `${label}: how it was called`, text: attempts.join('\n') });

/** A part's verdict, and whether a loaded machine could have caused its failure (then it is judged again alone). */
export interface PartResult {
  result: StepResult;
  timing: boolean;
}

export function combine(step: ProgramStep, runs: Array<{ label: string; judgement: Judgement; evidence: Evidence[] }>, startedAt: number): PartResult {
  const failed = runs.filter((run) => !run.judgement.ok);
  return {
    result: {
      step,
      verdict: failed.length > 0 ? 'fail' : 'pass',
      reason: (failed.length > 0 ? failed : runs).map((run) => `${run.label}: ${run.judgement.reason}`).join('; '),
      evidence: runs.flatMap((run) => run.evidence),
      durationMs: Math.round(performance.now() - startedAt),
    },
    timing: failed.some((run) => run.judgement.timing === true),
  };
}
