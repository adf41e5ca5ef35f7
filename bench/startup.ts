import { alternate, type BenchResult, CLI, median, timeCommand } from './harness.js';

/** Issue 2: `socklab --help` must feel instant, at most 2× `node -e 0`. */
export async function run(): Promise<BenchResult> {
  const runs = 21;
  timeCommand(process.execPath, [CLI, '--help']); // warm the file cache
  const samples = await alternate(runs, {
    bare: () => timeCommand(process.execPath, ['-e', '0']),
    help: () => timeCommand(process.execPath, [CLI, '--help']),
  });
  const bare = samples.bare!;
  const help = samples.help!;
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
