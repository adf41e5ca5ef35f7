import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchResult, CLI, median, timeCommand } from './harness.js';

const RUNS = 11;

/** Issue 7: `socklab cert key` makes an RSA-2048 key in under 1 s (median), Node.js start-up included. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-key-bench-'));
  const times: number[] = [];
  try {
    for (let index = 0; index < RUNS; index += 1) {
      times.push(timeCommand(process.execPath, [CLI, 'cert', 'key', '--bits', '2048', '--out', path.join(dir, `k${index}.pem`)]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    name: '`socklab cert key --bits 2048` (a whole command, start-up included)',
    table: [
      ['measure', 'ms'],
      [`median of ${RUNS}`, median(times).toFixed(0)],
      ['fastest', sorted[0]!.toFixed(0)],
      ['slowest', sorted.at(-1)!.toFixed(0)],
    ],
    verdict: `median ${median(times).toFixed(0)} ms (target < 1000)`,
    pass: median(times) < 1000,
  };
}
