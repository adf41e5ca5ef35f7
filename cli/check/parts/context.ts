import type { Config } from '../../../config/schema.js';
import { judgeMessageLines, type Judgement } from '../../../lib/check/judge.js';
import { type Evidence, type StepResult, trimmed } from '../../../lib/check/report.js';
import { describeEnd, describeUsage, type ProgramRun, SandboxedProgram, type SandboxLimits } from '../../../lib/sandbox/program.js';
import type { CourseEmulator, CourseHost } from '../../../lib/campus/hosts.js';
import type { StudentHost } from '../../../lib/campus/network.js';
import { PROGRAM_STEPS, type ProgramStep } from '../../../lib/check/submission.js';
import { type Logger, recordingLogger } from '../../../lib/logger.js';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { plural } from '../../../lib/words.js';


/** What the outer `socklab check` hands the inner one, which runs in the campus. */
export interface CheckPlan {
  folder: string;
  camipro: string[];
  /** Each part's command (interpreter and file), or why it is not run. */
  programs: Partial<Record<ProgramStep, { file: string; command: string[] } | { file: string; reason: string }>>;
  ca: string | null;
  /**
   * When socklab is root: the users the parts' programs run as, one each, leased for this check
   * alone (lib/sandbox/uids.ts); null runs them as socklab's own user, each in a user namespace.
   */
  uids: number[] | null;
  /** The invoking user's processes outside the campus (RLIMIT_NPROC without a user of its own). */
  processBase: number;
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
 * A client's verdict: what it did (`content`), but first whether it ended by itself and left the
 * submitted files alone, since a program stopped or meddling is the thing to fix first.
 */
export function clientVerdict(context: Context, run: ProgramRun, content: Judgement, timeoutMs?: number): Judgement {
  const also = content.ok ? '' : `; ${content.reason}`;
  if (run.folderChanges.length > 0) return { ok: false, reason: `${folderChanged(run)}${also}` };
  const crash = content.ok ? null : crashReason(run);
  if (crash) return { ok: false, reason: `${crash}${also}` };
  if (run.end !== 'exited') return { ok: false, reason: `${ended(context, run, timeoutMs)}${also}` };
  return content;
}

/** Sessions the PMU emulator logged: what it received, how many messages it sent. */
export function sessionsOf(records: Array<Record<string, unknown>>): Array<{ command: string | null; messages: number; outcome: string }> {
  return records
    .filter((record) => record.message === 'session' || record.message === 'connection without a command')
    .map((record) => ({ command: (record.command as string | null) ?? null, messages: Number(record.messages ?? 0), outcome: String(record.outcome) }));
}

export const expectedMessages = (count: number): string[] => Array.from({ length: count }, (_, index) => pmuMessage(index + 1));

/** Flushes what the emulator logged on its way out before it is read. */
export const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One run of a PMU client against a fresh emulator: the emulator's sessions judged with the output. */
export async function pmuClientRun(
  context: Context,
  step: ProgramStep,
  label: string,
  command: string,
  server: (logger: Logger) => { listen(): Promise<unknown>; close(): Promise<void> },
  timeoutMs: number,
): Promise<{ judgement: Judgement; evidence: Evidence[] }> {
  const { logger, records } = recordingLogger('check');
  const emulator = server(logger);
  let run: ProgramRun;
  try {
    await emulator.listen();
    run = await start(context, step, [command], { stdin: `${command}\n`, timeoutMs }).finished;
  } finally {
    await emulator.close();
  }
  await settled();
  const sessions = sessionsOf(records());
  const evidence = [
    { label: `${label}: the emulator received`, text: sessions.length > 0 ? sessions.map((session) => `${session.command ?? '(no command)'}: ${session.outcome}, ${plural(session.messages, 'message')} sent`).join('\n') : 'no connection' },
    ...outputEvidence(label, run, context, timeoutMs),
  ];
  const session = sessions.find((candidate) => candidate.command === command);
  let content: Judgement;
  if (sessions.length === 0) content = { ok: false, reason: 'the emulator received no connection' };
  else if (!session) content = { ok: false, reason: `asked for ${command} (as its first argument and on standard input), the emulator received ${sessions.map((s) => s.command ?? 'no command').join(', ')}` };
  else content = judgeMessageLines(run.stdout, expectedMessages(session.messages));
  return { judgement: clientVerdict(context, run, content, timeoutMs), evidence };
}

export function combine(step: ProgramStep, runs: Array<{ label: string; judgement: Judgement; evidence: Evidence[] }>, startedAt: number): StepResult {
  const failed = runs.filter((run) => !run.judgement.ok);
  return {
    step,
    verdict: failed.length > 0 ? 'fail' : 'pass',
    reason: (failed.length > 0 ? failed : runs).map((run) => `${run.label}: ${run.judgement.reason}`).join('; '),
    evidence: runs.flatMap((run) => run.evidence),
    durationMs: Math.round(performance.now() - startedAt),
  };
}
