import type { Config } from '../../config/schema.js';
import { describeLoad, type Load, startLoadMeter } from '../../lib/check/load.js';
import { quietLogger } from '../../lib/logger.js';
import { notRun, type StepResult } from '../../lib/check/report.js';
import { PROGRAM_PREFIX, PROGRAM_STEPS, type ProgramStep } from '../../lib/check/submission.js';
import { type CheckCampus, type CheckPlan, type Context, type PartResult } from './parts/context.js';
import { part2 } from './parts/part2.js';
import { part3 } from './parts/part3.js';
import { part4Receiver, part4Sender } from './parts/part4.js';
import { part5 } from './parts/part5.js';
import { part6 } from './parts/part6.js';

export type { CheckPlan } from './parts/context.js';

const PARTS: Record<ProgramStep, (context: Context) => Promise<PartResult>> = {
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
 * emulator both speak the PMU protocol, and their evidence stays apart). A part that fails in a
 * way load can cause (a timing window, a time limit) while the machine is loaded is run again
 * alone, so that a TA's batch on a busy machine grades as a single check on an idle one.
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
    logger: quietLogger('check'),
    found: new Map(),
  };
  const results = new Map<ProgramStep, StepResult>();
  const runStep = async (step: ProgramStep): Promise<{ result: StepResult; retry: Load | null }> => {
    const program = plan.programs[step];
    if (!program) return { result: notRun(step, step === 'part6' ? 'optional bonus: no Part6_PMU program handed in' : `no ${PROGRAM_PREFIX[step]}_… program in the folder`), retry: null };
    if (!('command' in program)) return { result: notRun(step, program.reason), retry: null };
    const meter = startLoadMeter();
    try {
      const { result, timing } = await PARTS[step](context);
      const load = meter.stop();
      // A failure a loaded machine can cause (a timing window, a time limit) is judged again alone before it stands.
      return { result, retry: result.verdict === 'fail' && timing && load.loaded ? load : null };
    } catch (error) {
      meter.stop();
      return { result: notRun(step, `the checker could not run it: ${(error as Error).message}`), retry: null };
    }
  };
  const again: Array<{ step: ProgramStep; first: StepResult; load: Load }> = [];
  const chains: ProgramStep[][] = [['part2', 'part6'], ['part3'], ['part4-receiver', 'part4-sender'], ['part5']];
  await Promise.all(chains.map(async (chain) => {
    for (const step of chain) {
      const { result, retry } = await runStep(step);
      if (retry) again.push({ step, first: result, load: retry });
      else {
        results.set(step, result);
        onStep(result);
      }
    }
  }));
  for (const { step, first, load } of again) {
    const { result } = await runStep(step);
    const note = { label: 'judged on a loaded machine', text: `the first run failed while the machine was loaded (${describeLoad(load)}): ${first.reason}\nthis verdict is from a second run, with the part alone` };
    const final = { ...result, evidence: [note, ...result.evidence], durationMs: first.durationMs + result.durationMs };
    results.set(step, final);
    onStep(final);
  }
  return (Object.keys(PARTS) as ProgramStep[]).map((step) => results.get(step)!);
}
