import { judgeSessionsOutput, type Judgement } from '../../../lib/check/judge.js';
import { type Evidence } from '../../../lib/check/report.js';
import type { ProgramStep } from '../../../lib/check/submission.js';
import type { CourseEmulator } from '../../../lib/campus/hosts.js';
import type { PmuSessionRecord, SessionListener } from '../../../lib/pmu/sessions.js';
import { plural } from '../../../lib/words.js';

import { type Adapted, attemptsEvidence, clientVerdict, combine, type Context, type PartResult, hostsRunning, outputEvidence, runAdapting, settled, start } from './context.js';

/** One graded scenario of a PMU client (handout parts 2 and 5). */
export interface PmuScenario {
  label: string;
  command: string;
  /** The emulator writes its messages in small slices (what separates splitting messages from printing reads). */
  sliced: boolean;
}

export interface PmuEmulator {
  listen(): Promise<unknown>;
  close(): Promise<void>;
}

export interface PmuClientPart {
  step: ProgramStep;
  emulator: CourseEmulator;
  port: number;
  scenarios: PmuScenario[];
  server(sliced: boolean, onSession: SessionListener): PmuEmulator;
}

/** A run of the program against a fresh emulator: what the emulator recorded, and how it was called. */
interface ClientRun extends Adapted<PmuSessionRecord[]> {
  sliced: boolean;
  label: string;
}

/** `{menu}` of a prompting client: 1 for CMD_short, 2 for CMD_floodme; `{delay}`: the d of CMD_short:d. */
function menuValues(command: string): { menu: string; delay: string } {
  const short = /^CMD_short:(\d+)$/.exec(command);
  return short ? { menu: '1', delay: short[1]! } : { menu: '2', delay: '' };
}

const withCommand = (sessions: readonly PmuSessionRecord[]) => sessions.filter((session) => session.command !== null);

function received(sessions: readonly PmuSessionRecord[]): string {
  if (sessions.length === 0) return 'no connection';
  return sessions.map((session) => `${session.command ?? '(no command)'}: ${session.outcome}, ${plural(session.messages.length, 'message')} sent`).join('\n');
}

/** A scenario judged on a run: its session among all those the run opened, in order, against the output. */
function judgeScenario(context: Context, scenario: PmuScenario, run: ClientRun, timeoutMs: number): Judgement {
  const sessions = withCommand(run.result);
  let content: Judgement;
  const mine = sessions.findIndex((session) => session.command === scenario.command);
  if (run.result.length === 0) content = { ok: false, reason: 'the emulator received no connection' };
  else if (sessions.length === 0) content = { ok: false, reason: 'it connected but sent no command' };
  else if (mine < 0) content = { ok: false, reason: `sent ${sessions.map((session) => session.command).join(', ')} when asked for ${scenario.command}` };
  else {
    const judged = judgeSessionsOutput(run.run.stdout, sessions);
    const others = sessions.length > 1 ? ` (${plural(sessions.length, 'session')} in that run, each judged)` : '';
    content = !judged.sessions[mine]!.ok ? judged.sessions[mine]! : !judged.extra.ok ? judged.extra : { ok: true, reason: `${judged.sessions[mine]!.reason}${others}` };
  }
  if (run.noConvention) content = { ok: false, reason: `${run.noConvention}; ${content.reason}` };
  return clientVerdict(context, run.run, content, timeoutMs);
}

/**
 * Every graded scenario of a PMU client, each judged on the sessions the emulator recorded. A
 * program that runs several commands in one run (both CMD_short, or every scenario, whatever its
 * arguments) is judged on each session it opened; a scenario a run already covered is not run again.
 */
export async function pmuClientPart(context: Context, part: PmuClientPart): Promise<PartResult> {
  const startedAt = performance.now();
  // A program may run every scenario itself, CMD_short:1 included: each run has the time for that.
  const timeoutMs = context.timeoutMs + context.config.pmu.messagesMax * 1000;
  const host = hostsRunning(context, part.emulator)[0]?.name ?? '';
  const runs: ClientRun[] = [];
  const results = [];
  for (const scenario of part.scenarios) {
    let run = runs.find((candidate) => candidate.sliced === scenario.sliced && candidate.result.some((session) => session.command === scenario.command));
    const evidence: Evidence[] = [];
    if (run) {
      evidence.push({ label: `${scenario.label}: judged on`, text: `the run of "${run.label}", which opened a ${scenario.command} session too` });
    } else {
      const values = { command: scenario.command, host, port: String(part.port), ...menuValues(scenario.command) };
      const adapted = await runAdapting(context, part.step, values, async (call) => {
        const sessions: PmuSessionRecord[] = [];
        const emulator = part.server(scenario.sliced, (record) => sessions.push(record));
        let program;
        try {
          await emulator.listen();
          program = await start(context, part.step, call.args, { stdin: call.stdin, timeoutMs }).finished;
        } finally {
          await emulator.close();
        }
        await settled();
        return { run: program, contacted: sessions.length > 0, result: sessions };
      });
      run = { ...adapted, sliced: scenario.sliced, label: scenario.label };
      runs.push(run);
      evidence.push(attemptsEvidence(scenario.label, run.attempts), { label: `${scenario.label}: the emulator received`, text: received(run.result) }, ...outputEvidence(scenario.label, run.run, context, timeoutMs));
    }
    results.push({ label: scenario.label, judgement: judgeScenario(context, scenario, run, timeoutMs), evidence });
  }
  return combine(part.step, results, startedAt);
}
