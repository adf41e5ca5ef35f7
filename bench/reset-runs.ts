import { spawnSync } from 'node:child_process';
import { type BenchResult, CLI, median, portOf, startLab } from './harness.js';

const ROUNDS = 3;

/** Issue 5: `socklab reset --runs 60 --concurrency 10` against the emulator at p = 0.5 within 40 s. */
export async function run(): Promise<BenchResult> {
  const lab = await startLab(['--only', 'pmu-udp', '--lab.pmuUdp.port', '0', '--lab.pmuUdp.dropProbability', '0.5']);
  const port = String(portOf(lab.endpoints, 'pmu-udp'));
  const seconds: number[] = [];
  const estimates: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, [CLI, 'reset', '--port', port, '--runs', '60', '--concurrency', '10', '--json'], { encoding: 'utf8' });
      seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
      if (result.status !== 0) throw new Error(`socklab reset exited ${result.status}: ${result.stderr}`);
      estimates.push((JSON.parse(result.stdout) as { summary: { lossProbability: number } }).summary.lossProbability);
    }
  } finally {
    await lab.stop();
  }
  const wall = median(seconds);
  return {
    name: 'RESET client: `socklab reset --runs 60 --concurrency 10`, emulator at p = 0.5, timeout 1 s',
    table: [
      ['measure', 'value'],
      [`wall time, median of ${ROUNDS} (s)`, wall.toFixed(1)],
      ['wall times (s)', seconds.map((value) => value.toFixed(1)).join(', ')],
      ['loss estimates p̂', estimates.join(', ')],
    ],
    verdict: `median ${wall.toFixed(1)} s (target ≤ 40 s)`,
    pass: wall <= 40,
  };
}
