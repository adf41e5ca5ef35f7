import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';
import { SERVICES } from '../services/registry.js';
import { type BenchResult, portOf, startLab } from './harness.js';

const CYCLES = 10_000;
const CHECKPOINTS = [1, 1_000, 2_500, 5_000, 7_500, 10_000];
/** Growth is measured after the warm-up: JIT compilation, SQLite's 2 MiB page cache, pools. */
const WARM_UP = 1_000;
const DRIVER = path.join(projectRoot, 'dist', 'bench', 'prober-soak-driver.js');

interface Mark {
  cycle: number;
  rss: number;
  store: number;
}

/**
 * Issue 5: the prober over 10,000 back-to-back cycles (interval 0) against the emulator: RSS
 * growth under 10 MB and a store that grows linearly. The prober runs in a process of its own,
 * with the Node.js flags pm2 starts the service with.
 */
export async function run(): Promise<BenchResult> {
  const lab = await startLab(['--only', 'pmu-udp', '--lab.pmuUdp.port', '0', '--lab.pmuUdp.dropProbability', '0.3']);
  const port = String(portOf(lab.endpoints, 'pmu-udp'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-soak-'));
  const nodeArgs = SERVICES['reset-prober']!.nodeArgs ?? [];
  const started = performance.now();
  let output: string;
  try {
    const result = spawnSync(process.execPath, [...nodeArgs, DRIVER, port, path.join(dir, 'prober.db'), String(CYCLES), ...CHECKPOINTS.map(String)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    if (result.status !== 0) throw new Error(`driver exited ${result.status}: ${result.stderr}`);
    output = result.stdout;
  } finally {
    await lab.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const lines = output.trim().split('\n').map((line) => JSON.parse(line) as Mark & { done?: number });
  const marks = lines.filter((line) => line.done === undefined);
  const done = lines.find((line) => line.done !== undefined)?.done ?? 0;
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const first = marks[0]!;
  const last = marks.at(-1)!;
  const warm = marks.find((mark) => mark.cycle === WARM_UP)!;
  const growth = (last.rss - warm.rss) / 1024 / 1024;
  const growthFromStart = (last.rss - first.rss) / 1024 / 1024;
  const perCycle = marks.filter((mark) => mark.cycle >= 1_000).map((mark) => (mark.store - first.store) / (mark.cycle - first.cycle));
  const spread = Math.max(...perCycle) / Math.min(...perCycle);
  return {
    name: `reset-prober: ${CYCLES.toLocaleString('en')} cycles back to back (interval 0) against the emulator, node ${nodeArgs.join(' ')}`,
    table: [
      ['after cycle', 'RSS (MiB)', 'store (KiB)', 'store bytes per cycle since cycle 1'],
      ...marks.map((mark): string[] => [
        String(mark.cycle),
        mib(mark.rss),
        (mark.store / 1024).toFixed(0),
        mark.cycle === 1 ? '' : ((mark.store - first.store) / (mark.cycle - 1)).toFixed(0),
      ]),
    ],
    verdict: `${done} cycles in ${seconds.toFixed(0)} s; RSS growth from cycle ${WARM_UP} to ${CYCLES}: ${growth.toFixed(1)} MiB (target < 10; from cycle 1, warm-up included: ${growthFromStart.toFixed(1)} MiB); store bytes per cycle within ×${spread.toFixed(2)} (linear)`,
    pass: growth < 10 && done === CYCLES && spread < 1.25,
  };
}
