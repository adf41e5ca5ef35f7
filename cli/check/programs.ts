import type { Config } from '../../config/schema.js';
import { notRun, type StepResult } from '../../lib/check/report.js';
import { PROGRAM_PREFIX, PROGRAM_STEPS, type ProgramStep } from '../../lib/check/submission.js';
import { type CheckCampus, type CheckPlan, type Context } from './parts/context.js';
import { part2 } from './parts/part2.js';
import { part3 } from './parts/part3.js';
import { part4Receiver, part4Sender } from './parts/part4.js';
import { part5 } from './parts/part5.js';
import { part6 } from './parts/part6.js';

export type { CheckPlan } from './parts/context.js';

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
