import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckReport, StepId } from '../../../lib/check/report.js';
import { runCli } from '../../helpers.js';

/** Short runs: n = 3 (CMD_short:1 takes 3 s), clients stopped after 4 s (plus n s), the receiver listens 2 s. */
export const FAST = ['--pmu.messagesMin', '3', '--pmu.messagesMax', '3', '--check.timeoutSeconds', '4', '--check.listenSeconds', '2'];

/**
 * A test file's own place for submissions and for its checks' temporary folders: the programs run
 * in copies below `tmp`, which tells them from another file's.
 */
export function checkRoot(prefix: string): { root: string; tmp: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(root, 0o755); // the unprivileged run reads the submissions too
  const tmp = path.join(root, 'tmp');
  mkdirSync(tmp, { mode: 0o1777 });
  chmodSync(tmp, 0o1777);
  return { root, tmp };
}

/** `socklab check TARGET --json` with the short settings; its report. */
export async function checkJson(target: string, tmp: string, extra: string[] = []): Promise<{ code: number | null; report: CheckReport; stderr: string }> {
  const run = await runCli(['check', target, '--json', ...FAST, ...extra], { TMPDIR: tmp }, 120_000);
  try {
    return { code: run.code, report: JSON.parse(run.stdout) as CheckReport, stderr: run.stderr };
  } catch {
    throw new Error(`no report (exit ${run.code}): ${run.stderr}`);
  }
}

/** Runs `tasks` two at a time, as two cores allow. */
export async function twoAtATime<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  const queue = tasks.map((task, index) => ({ task, index }));
  await Promise.all([0, 1].map(async () => {
    for (let next = queue.shift(); next; next = queue.shift()) results[next.index] = await next.task();
  }));
  return results;
}

export const stepOf = (report: CheckReport, id: StepId) => report.steps.find((step) => step.step === id)!;

/** Processes still running of the sandboxes a file's checks made: each carries its run's scratch folder, under `tmp`. */
export function sandboxProcesses(tmp: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').some((entry) => entry.startsWith(`SOCKLAB_SANDBOX=${tmp}`));
      } catch {
        return false; // ended, or not ours to read
      }
    });
}
