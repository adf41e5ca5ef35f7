import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckReport } from '../lib/check/report.js';
import { type BenchResult, CLI, median } from './harness.js';
import { buildSubmission, CONVENTION_PROGRAMS, CORRECT_PROGRAMS, courseMaterial, FOLDER } from './submission.js';

const SUBMISSIONS = 20;
/** Checks of the submission whose programs take their input other ways (each part finds its way after a usage error or two). */
const CONVENTION_RUNS = 5;
const JOBS = 2;
/** n = 10, the middle of the default 5–15: CMD_short:1 then takes 10 s in every check, so the runs compare. */
const SETTINGS = ['--pmu.messagesMin', '10', '--pmu.messagesMax', '10'];

function timed(args: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args, ...SETTINGS], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`socklab ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms: performance.now() - started, stdout: result.stdout };
}

/**
 * Issues 16 and 23: one complete submission checked under 60 s, every graded scenario included
 * (part 2's four, part 5's two) and with programs that must be called other ways; a batch of 20
 * with --jobs 2 within 1.2 × (twenty single checks) / 2.
 */
export async function run(): Promise<BenchResult> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'socklab-bench-check-'));
  try {
    const material = courseMaterial(root);
    const folder = buildSubmission(path.join(root, 'one'), { programs: CORRECT_PROGRAMS, key: 'matching' }, material);
    // The batch: the same complete submission twenty times, as twenty students' folders.
    const batch = path.join(root, 'batch');
    mkdirSync(batch);
    for (let index = 0; index < SUBMISSIONS; index += 1) cpSync(path.join(root, 'one'), path.join(batch, `student-${String(index).padStart(2, '0')}`), { recursive: true });

    const singles: number[] = [];
    const steps = new Map<string, number[]>();
    for (let index = 0; index < SUBMISSIONS; index += 1) {
      const { ms, stdout } = timed(['check', folder, '--ca', material.caCert, '--json']);
      singles.push(ms);
      const report = JSON.parse(stdout) as CheckReport;
      if (report.verdict !== 'pass') throw new Error(`the correct submission did not pass: ${JSON.stringify(report.steps.filter((step) => step.verdict !== 'pass'))}`);
      for (const step of report.steps) steps.set(step.step, [...(steps.get(step.step) ?? []), step.durationMs]);
    }
    const conventionsFolder = buildSubmission(path.join(root, 'conventions'), { programs: CONVENTION_PROGRAMS, key: 'matching' }, material);
    const conventions: number[] = [];
    for (let index = 0; index < CONVENTION_RUNS; index += 1) {
      const { ms, stdout } = timed(['check', conventionsFolder, '--ca', material.caCert, '--json']);
      conventions.push(ms);
      const report = JSON.parse(stdout) as CheckReport;
      if (report.verdict !== 'pass') throw new Error(`the conventions submission did not pass: ${JSON.stringify(report.steps.filter((step) => step.verdict !== 'pass'))}`);
    }
    const batchMs = timed(['check', '--batch', batch, '--out', path.join(root, 'out'), '--ca', material.caCert, '--jobs', String(JOBS)]).ms;
    const sum = singles.reduce((total, ms) => total + ms, 0);
    const bound = (1.2 * sum) / JOBS;
    const slowest = Math.max(...singles, ...conventions);
    return {
      name: `\`socklab check\` of a complete submission (${FOLDER}, every part in Python, n = 10), ${SUBMISSIONS} times one by one, then the same ${SUBMISSIONS} as \`--batch --jobs ${JOBS}\``,
      table: [
        ['measure', 'value'],
        ['single check, median', `${(median(singles) / 1000).toFixed(1)} s`],
        [`single check of programs called other ways (HOST PORT COMMAND, a menu…), median of ${CONVENTION_RUNS}`, `${(median(conventions) / 1000).toFixed(1)} s`],
        ['single check, slowest of all', `${(slowest / 1000).toFixed(1)} s (target < 60 s)`],
        ...[...steps].map(([step, values]) => [`  step ${step}, median`, `${(median(values) / 1000).toFixed(1)} s`]),
        [`${SUBMISSIONS} single checks, total`, `${(sum / 1000).toFixed(1)} s`],
        [`batch of ${SUBMISSIONS}, --jobs ${JOBS}`, `${(batchMs / 1000).toFixed(1)} s`],
        [`batch ÷ (total ÷ ${JOBS})`, `${(batchMs / (sum / JOBS)).toFixed(2)} (target ≤ 1.2)`],
      ],
      verdict: `slowest single check ${(slowest / 1000).toFixed(1)} s (< 60 s); batch ${(batchMs / 1000).toFixed(1)} s against a bound of ${(bound / 1000).toFixed(1)} s`,
      pass: slowest < 60_000 && batchMs <= bound,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
