import { type BenchResult, CLI, median, timeCommand } from './harness.js';

/** Issue 2: `socklab --help` must feel instant, at most 2× `node -e 0`. */
export async function run(): Promise<BenchResult> {
  const runs = 21;
  const bare: number[] = [];
  const help: number[] = [];
  timeCommand(process.execPath, [CLI, '--help']); // warm the file cache
  for (let index = 0; index < runs; index += 1) {
    bare.push(timeCommand(process.execPath, ['-e', '0']));
    help.push(timeCommand(process.execPath, [CLI, '--help']));
  }
  const ratio = median(help) / median(bare);
  return {
    name: 'CLI start-up: `socklab --help` vs `node -e 0`',
    table: [
      ['command', `median wall time (ms, ${runs} alternating runs)`],
      ['node -e 0', median(bare).toFixed(1)],
      ['socklab --help', median(help).toFixed(1)],
      ['ratio', ratio.toFixed(2)],
    ],
    verdict: `ratio ${ratio.toFixed(2)} (target ≤ 2.0)`,
    pass: ratio <= 2,
  };
}
