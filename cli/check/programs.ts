import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../../config/schema.js';
import { runGrader } from '../../lib/clients/grader.js';
import { judgeMessageLines, judgeReceiverOutput, judgeRetransmissions, judgeSenderDatagrams, type Judgement } from '../../lib/check/judge.js';
import { type Evidence, notRun, type StepResult, trimmed } from '../../lib/check/report.js';
import { describeEnd, describeUsage, type ProgramRun, SandboxedProgram, type SandboxLimits } from '../../lib/sandbox/program.js';
import type { CourseEmulator, CourseHost } from '../../lib/campus/hosts.js';
import type { StudentHost } from '../../lib/campus/network.js';
import { PROGRAM_PREFIX, PROGRAM_STEPS, type ProgramStep } from '../../lib/check/submission.js';
import { bindDatagram, closeSocket } from '../../lib/listen.js';
import { type Logger, recordingLogger } from '../../lib/logger.js';
import { joinGroups } from '../../lib/multicast.js';
import { pmuMessage } from '../../lib/pmu/command.js';
import { CHANNEL_ID } from '../../lib/tv.js';
import { plural } from '../../lib/words.js';
import { pmuProtocolOptions } from '../../services/lab/index.js';
import { PLAY } from '../../services/lab/play.js';
import { PmuTcpServer } from '../../services/lab/pmu-tcp-server.js';
import { PmuUdpServer } from '../../services/lab/pmu-udp-server.js';
import { PmuWsServer } from '../../services/lab/pmu-ws-server.js';
import { TvChannel } from '../../services/lab/tv-channel.js';

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

interface Context {
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
const hostsRunning = (context: Context, emulator: CourseEmulator) => context.courseHosts.filter((host) => host.emulators.includes(emulator));

/** The TCP emulators listen on every course address at once (both families); TCP answers from the address it was reached at. */
const ALL_COURSE_ADDRESSES = '::';

const PART6_LISTEN_MS = 10_000;
/** The sender has its input at once: it sends and ends (or is stopped) well within this. */
const SENDER_TIMEOUT_MS = 5000;
/** The part 3 emulator drops this many requests before it answers, so that retransmissions are always seen. */
const DROPPED_FIRST = 2;
const SENDER_LINES = [
  'Hello from socklab check',
  'To be, or not to be, that is the question: whether tis nobler in the mind to suffer the slings and arrows of outrageous fortune, or to take arms against a sea of troubles and by opposing end them. To die, to sleep, no more; and by a sleep to say we end the heartache and the thousand natural shocks that flesh is heir to.',
];

function start(context: Context, step: ProgramStep, args: string[], options: { stdin?: string; timeoutMs?: number } = {}): SandboxedProgram {
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

function ended(context: Context, run: ProgramRun, timeoutMs = context.timeoutMs): string {
  return describeEnd(run, { timeoutMs, outputBytes: context.limits.outputBytes, processes: context.limits.processes });
}

function outputEvidence(label: string, run: ProgramRun, context: Context, timeoutMs?: number): Evidence[] {
  return [
    { label: `${label}: how it ended`, text: `${ended(context, run, timeoutMs)}\n${describeUsage(run)}` },
    ...(run.stdout.trim() ? [{ label: `${label}: output`, text: trimmed(run.stdout) }] : []),
    ...(run.stderr.trim() ? [{ label: `${label}: errors`, text: trimmed(run.stderr, 15) }] : []),
    ...(run.folderChanges.length > 0 ? [{ label: `${label}: its folder afterwards`, text: run.folderChanges.join('\n') }] : []),
  ];
}

/**
 * A client's verdict: what it did (`content`), but first whether it ended by itself and left the
 * submitted files alone, since a program stopped or meddling is the thing to fix first.
 */
function clientVerdict(context: Context, run: ProgramRun, content: Judgement, timeoutMs?: number): Judgement {
  const also = content.ok ? '' : `; ${content.reason}`;
  if (run.folderChanges.length > 0) return { ok: false, reason: `it ${run.folderChanges.join(', ')} in its folder${also}` };
  if (run.end !== 'exited') return { ok: false, reason: `${ended(context, run, timeoutMs)}${also}` };
  return content;
}

/** Sessions the PMU emulator logged: what it received, how many messages it sent. */
function sessionsOf(records: Array<Record<string, unknown>>): Array<{ command: string | null; messages: number; outcome: string }> {
  return records
    .filter((record) => record.message === 'session' || record.message === 'connection without a command')
    .map((record) => ({ command: (record.command as string | null) ?? null, messages: Number(record.messages ?? 0), outcome: String(record.outcome) }));
}

const expectedMessages = (count: number): string[] => Array.from({ length: count }, (_, index) => pmuMessage(index + 1));

/** Flushes what the emulator logged on its way out before it is read. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One run of a PMU client against a fresh emulator: the emulator's sessions judged with the output. */
async function pmuClientRun(
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

function combine(step: ProgramStep, runs: Array<{ label: string; judgement: Judgement; evidence: Evidence[] }>, startedAt: number): StepResult {
  const failed = runs.filter((run) => !run.judgement.ok);
  return {
    step,
    verdict: failed.length > 0 ? 'fail' : 'pass',
    reason: (failed.length > 0 ? failed : runs).map((run) => `${run.label}: ${run.judgement.reason}`).join('; '),
    evidence: runs.flatMap((run) => run.evidence),
    durationMs: Math.round(performance.now() - startedAt),
  };
}

/** Part 2: CMD_short:0 plain and sliced (what separates splitting messages from printing reads), CMD_short:1. */
async function part2(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const { config } = context;
  const { sliceBytes, sliceGapMs } = config.check;
  const runs = [
    { label: 'CMD_short:0', command: 'CMD_short:0', sliceBytes: 0, sliceGapMs: 0 },
    { label: `CMD_short:0 with the PMU writing ${sliceBytes}-byte slices ${sliceGapMs} ms apart`, command: 'CMD_short:0', sliceBytes, sliceGapMs },
    { label: 'CMD_short:1', command: 'CMD_short:1', sliceBytes: 0, sliceGapMs: 0 },
  ];
  const results = [];
  for (const run of runs) {
    const timeoutMs = context.timeoutMs + (run.command === 'CMD_short:1' ? config.pmu.messagesMax * 1000 : 0);
    const server = (logger: Logger) =>
      new PmuTcpServer({ ...pmuProtocolOptions(config.pmu), ...config.lab.pmuTcp, host: ALL_COURSE_ADDRESSES, sliceBytes: run.sliceBytes, sliceGapMs: run.sliceGapMs, lingerMs: 500, drainMs: 1000 }, logger);
    results.push({ label: run.label, ...(await pmuClientRun(context, 'part2', run.label, run.command, server, timeoutMs)) });
  }
  return combine('part2', results, startedAt);
}

/** Drops the first `count` requests, then answers every one (PmuUdpServer draws a number to drop, then one for the offset). */
function dropFirst(count: number): () => number {
  let drops = count;
  let offsetNext = false;
  return () => {
    if (offsetNext) {
      offsetNext = false;
      return Math.random();
    }
    if (drops > 0) {
      drops -= 1;
      return 0;
    }
    offsetNext = true;
    return 0.99;
  };
}

/**
 * Part 3: an IPv4-only then an IPv6-only RESET server on every course host that runs one (the
 * handout's lab3.iw.epfl.ch, a later year's tcpip.epfl.ch), losing the first requests between
 * them; silent sockets on the other family's addresses see whether it is tried.
 */
async function part3(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const { lab } = context.config;
  const results = [];
  const resetHosts = hostsRunning(context, 'pmu-udp');
  for (const family of ['IPv4', 'IPv6'] as const) {
    const label = `${family}-only server`;
    const { logger, records } = recordingLogger('check');
    const random = dropFirst(DROPPED_FIRST);
    const servers = resetHosts.flatMap((host) =>
      (family === 'IPv4' ? host.ipv4 : host.ipv6).map(
        (address) => new PmuUdpServer({ ...lab.pmuUdp, host4: family === 'IPv4' ? address : '', host6: family === 'IPv6' ? address : '', dropProbability: 0.5, schedule: [], family, random }, logger),
      ),
    );
    const otherAddresses = resetHosts.flatMap((host) => (family === 'IPv4' ? host.ipv6 : host.ipv4));
    const others = otherAddresses.map(() => (family === 'IPv4' ? dgram.createSocket({ type: 'udp6', ipv6Only: true }) : dgram.createSocket('udp4')));
    const otherTried: number[] = [];
    for (const other of others) other.on('message', () => otherTried.push(Date.now()));
    let run: ProgramRun;
    try {
      await Promise.all(servers.map((server) => server.listen()));
      await Promise.all(others.map((other, index) => bindDatagram(other, { address: otherAddresses[index]!, port: lab.pmuUdp.port })));
      run = await start(context, 'part3', []).finished;
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await Promise.all(others.map((other) => closeSocket(other)));
    }
    await settled();
    const requests = records().filter((record) => record.message === 'request');
    const answer = requests.find((record) => typeof record.reply === 'string');
    const reply = answer ? String(answer.reply) : null;
    const untilAnswer = requests.slice(0, answer ? requests.indexOf(answer) + 1 : requests.length).map((record) => Date.parse(String(record.timestamp)));
    const otherName = family === 'IPv4' ? 'IPv6' : 'IPv4';
    const evidence: Evidence[] = [
      {
        label: `${label}: the emulator saw`,
        text: [
          `${plural(requests.length, 'RESET request')} over ${family}; the first ${DROPPED_FIRST} dropped on purpose${reply ? `, then answered ${reply}` : ''}`,
          `${plural(otherTried.length, 'datagram')} to the ${otherName} address (nobody answers there)`,
        ].join('\n'),
      },
      ...outputEvidence(label, run, context),
    ];
    const offset = reply ? /OFFSET=(\d+)/.exec(reply)?.[1] : undefined;
    const printed = reply !== null && (run.stdout.includes(reply) || new RegExp(`(^|\\D)${offset}(\\D|$)`, 'm').test(run.stdout));
    const retransmissions = judgeRetransmissions(untilAnswer);
    let content: Judgement;
    if (requests.length === 0) content = { ok: false, reason: `no RESET request reached the ${family}-only server` };
    else if (!reply) content = { ok: false, reason: `never got past the lost requests: ${requests.length} sent, the first ${DROPPED_FIRST} are always lost` };
    else if (!printed) content = { ok: false, reason: `the server answered ${reply}, which the output does not show` };
    else if (!retransmissions.ok) content = retransmissions;
    else if (otherTried.length === 0) content = { ok: false, reason: `never tried ${otherName}: a client must send on both families (handout part 3)` };
    else content = { ok: true, reason: `${reply} shown, ${retransmissions.reason}, ${otherName} tried too` };
    results.push({ label, judgement: clientVerdict(context, run, content), evidence });
  }
  return combine('part3', results, startedAt);
}

interface Channel {
  broadcast: string[];
  others: Buffer[];
  replies: string[];
  close(): Promise<void>;
}

/**
 * The TV channel on its course host, faster than the course's (a line every 250 ms), and a member
 * of its group that records everything on it. Only what `from` sends counts as the program's: a
 * datagram from another part's student host is not this part's doing.
 */
async function tvChannel(context: Context, from?: StudentHost): Promise<Channel> {
  const { tv } = context.config.lab;
  const iface = hostsRunning(context, 'tv')[0]?.ipv4[0] ?? tv.iface;
  const channel = new TvChannel({ ...tv, iface, intervalMs: 250, lines: PLAY }, recordingLogger('check').logger);
  const seen: Channel = { broadcast: [], others: [], replies: [], close: async () => undefined };
  const membership = await joinGroups({ groups: [tv.group], port: tv.port, iface }, ({ payload, address }) => {
    if (payload.subarray(0, 6).toString('latin1') !== CHANNEL_ID) {
      if (from === undefined || address === from.ipv4) seen.others.push(payload);
      return;
    }
    const text = payload.subarray(6).toString('utf8');
    (text.startsWith('Thank you ') ? seen.replies : seen.broadcast).push(text);
  });
  await channel.listen();
  seen.close = async () => {
    await channel.close();
    await membership.close();
  };
  return seen;
}

/** Part 4.1: the receiver listens while the channel broadcasts; it must print what was sent. */
async function part4Receiver(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const channel = await tvChannel(context);
  let run: ProgramRun;
  try {
    const program = start(context, 'part4-receiver', [], { timeoutMs: context.timeoutMs + context.config.check.listenSeconds * 1000 });
    await Promise.race([sleep(context.config.check.listenSeconds * 1000), program.finished]);
    run = await program.stop();
  } finally {
    await channel.close();
  }
  const evidence = [{ label: 'the channel sent', text: trimmed(channel.broadcast.join('\n'), 8) }, ...outputEvidence('receiver', run, context)];
  let judgement = judgeReceiverOutput(run.stdout, channel.broadcast, 3);
  if (judgement.ok && run.folderChanges.length > 0) judgement = { ok: false, reason: `it ${run.folderChanges.join(', ')} in its folder` };
  return combine('part4-receiver', [{ label: 'receiver', judgement, evidence }], startedAt);
}

/** Part 4.2: the sender gets lines on standard input (the second over 300 characters, which the channel answers, Q22). */
async function part4Sender(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const channel = await tvChannel(context, context.hostOf('part4-sender'));
  const [id] = context.plan.camipro;
  let run: ProgramRun;
  try {
    run = await start(context, 'part4-sender', id ? [id] : [], { stdin: `${SENDER_LINES.join('\n')}\n`, timeoutMs: SENDER_TIMEOUT_MS }).finished;
    await sleep(300); // the channel's answer to the long line
  } finally {
    await channel.close();
  }
  const evidence = [
    { label: 'datagrams on the group (not the channel\'s)', text: trimmed(channel.others.map((payload) => JSON.stringify(payload.toString('utf8'))).join('\n'), 10) || 'none' },
    ...(channel.replies.length > 0 ? [{ label: 'the channel answered', text: channel.replies.join('\n') }] : []),
    ...outputEvidence('sender', run, context, SENDER_TIMEOUT_MS),
  ];
  let judgement = judgeSenderDatagrams(channel.others.map((payload) => ({ payload })), SENDER_LINES, context.plan.camipro);
  if (judgement.ok && run.folderChanges.length > 0) judgement = { ok: false, reason: `it ${run.folderChanges.join(', ')} in its folder` };
  if (judgement.ok && run.end !== 'exited') judgement = { ok: true, reason: `${judgement.reason}; note: it did not exit at the end of its input` };
  return combine('part4-sender', [{ label: 'sender', judgement, evidence }], startedAt);
}

/** Part 5: CMD_short:0 over WebSocket. */
async function part5(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const { config } = context;
  const server = (logger: Logger) => new PmuWsServer({ ...pmuProtocolOptions(config.pmu), ...config.lab.pmuWs, host: ALL_COURSE_ADDRESSES, drainMs: 1000 }, logger);
  const result = await pmuClientRun(context, 'part5', 'CMD_short:0', 'CMD_short:0', server, context.timeoutMs);
  return combine('part5', [{ label: 'CMD_short:0 over WebSocket', ...result }], startedAt);
}

/** Connectable address for a listening one, from the student host itself: the wildcard means its loopback. */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (/^[0:]+$/.test(address)) return '::1';
  return address;
}

/** Part 6: the server, run with its own key and certificate, and the handout's grader (then a verifying one) sending CMD_short:0. */
async function part6(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const program = start(context, 'part6', [], { timeoutMs: context.timeoutMs + PART6_LISTEN_MS + 30_000 });
  let exited = false;
  void program.finished.then(() => (exited = true));
  const deadline = Date.now() + PART6_LISTEN_MS;
  let sockets = program.listening();
  while (sockets.length === 0 && !exited && Date.now() < deadline) {
    await sleep(100);
    sockets = program.listening();
  }
  const listening = sockets[0];
  let judgement: Judgement;
  const evidence: Evidence[] = [];
  if (!listening) {
    judgement = { ok: false, reason: exited ? 'the server exited before it listened on a TCP port' : `the server did not listen on a TCP port within ${PART6_LISTEN_MS / 1000} s` };
  } else {
    const host = reachable(listening.address);
    // The grader on the server's own host: a server that listens on localhost only is still reached.
    const report = await runGrader({ host, port: listening.port, ca: context.plan.ca ?? '', command: 'CMD_short:0', servername: '', wrap: (command) => context.hostOf('part6').wrap(command) });
    evidence.push({ label: 'grader', text: `listening on ${listening.address} port ${listening.port}\n${report.summary}` });
    const bad = report.messages.find((message) => !/^This is PMU data \d+$/.test(message.trim()));
    if (!report.asWritten.ok) judgement = { ok: false, reason: `the handout's grader (SSLContext(PROTOCOL_SSLv23)) failed: ${report.asWritten.error}` };
    else if (report.messages.length === 0) judgement = { ok: false, reason: 'the handout\'s grader sent CMD_short:0 and got no message' };
    else if (bad !== undefined) judgement = { ok: false, reason: `the grader got ${JSON.stringify(bad.slice(0, 60))}, not "This is PMU data i"` };
    else if (report.verifying && !report.verifying.ok) judgement = { ok: false, reason: `a client that verifies the certificate against the CA refuses it: ${report.verifying.error}` };
    else judgement = { ok: true, reason: `the grader got ${report.messages.length} messages over ${report.asWritten.version}${report.verifying ? '; a verifying client accepts the certificate' : ' (no --ca: the certificate chain was not verified)'}` };
  }
  const run = await program.stop();
  evidence.push(...outputEvidence('server', run, context));
  if (judgement.ok && run.folderChanges.length > 0) judgement = { ok: false, reason: `it ${run.folderChanges.join(', ')} in its folder` };
  return combine('part6', [{ label: 'TLS server', judgement, evidence }], startedAt);
}

const PARTS: Record<ProgramStep, (context: Context) => Promise<StepResult>> = {
  part2,
  part3,
  'part4-receiver': part4Receiver,
  'part4-sender': part4Sender,
  part5,
  part6,
};

/**
 * Runs every program of the plan inside the campus, each part on a student host of its own. Parts
 * that use different emulators run at once; part 6 after part 2 (the TLS grader and part 2's
 * emulator both speak the PMU protocol, and their evidence stays apart).
 */
export async function runPrograms(plan: CheckPlan, config: Config, campus: CheckCampus, onStep: (step: StepResult) => void = () => undefined): Promise<StepResult[]> {
  const { check } = config;
  const studentHosts = await Promise.all(PROGRAM_STEPS.map((_, index) => campus.student(index)));
  const context: Context = {
    plan,
    config,
    limits: { cpuSeconds: check.cpuSeconds, memoryBytes: check.memoryBytes, processes: check.processes, outputBytes: check.outputBytes, fileBytes: check.fileBytes, tmpfsBytes: check.tmpfsBytes },
    timeoutMs: check.timeoutSeconds * 1000,
    hostOf: (step) => studentHosts[PROGRAM_STEPS.indexOf(step)]!,
    courseHosts: campus.hosts,
    hostsFile: campus.hostsFile,
  };
  const results = new Map<ProgramStep, StepResult>();
  const runStep = async (step: ProgramStep): Promise<void> => {
    const program = plan.programs[step];
    let result: StepResult;
    if (!program) result = notRun(step, step === 'part6' ? 'optional bonus: no Part6_PMU program handed in' : `no ${PROGRAM_PREFIX[step]}_… program in the folder`);
    else if (!('command' in program)) result = notRun(step, program.reason);
    else {
      try {
        result = await PARTS[step](context);
      } catch (error) {
        result = notRun(step, `the checker could not run it: ${(error as Error).message}`);
      }
    }
    results.set(step, result);
    onStep(result);
  };
  const chains: ProgramStep[][] = [['part2', 'part6'], ['part3'], ['part4-receiver', 'part4-sender'], ['part5']];
  await Promise.all(chains.map(async (chain) => {
    for (const step of chain) await runStep(step);
  }));
  return (Object.keys(PARTS) as ProgramStep[]).map((step) => results.get(step)!);
}
