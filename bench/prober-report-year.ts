import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { proberPanel } from '../services/dashboard/data.js';
import { type ProberRow, ProberStore } from '../services/reset-prober/store.js';
import { alternate, type BenchResult, CLI, median, timeCommand } from './harness.js';

const YEAR_MINUTES = 365 * 24 * 60; // one probe per family per minute: 1,051,200 rows
const ROUNDS = 5;
const PEER_QUERY = "SELECT strftime('%H', at, 'localtime') AS hour, family, count(*), sum(acknowledged) FROM probes GROUP BY hour, family;";

/** A year of the prober's store, written as the prober writes it (batched transactions, buckets kept by triggers). */
export function yearStore(file: string): void {
  const store = new ProberStore(file);
  const start = Date.UTC(2025, 10, 28);
  let batch: ProberRow[] = [];
  for (let minute = 0; minute < YEAR_MINUTES; minute += 1) {
    const at = new Date(start + minute * 60_000).toISOString();
    const ipv4Hour = new Date(start + minute * 60_000).getHours() % 2 === 0;
    for (const family of ['IPv4', 'IPv6'] as const) {
      const up = (family === 'IPv4') === ipv4Hour;
      const rounds = up ? 1 + (minute % 3) : 20;
      batch.push({ kind: 'probe', record: { at, family, targets: [family === 'IPv4' ? '127.0.0.1' : '::1'], acknowledged: up, address: up ? '127.0.0.1' : null, offset: up ? 7 : null, rounds, packets: rounds, rttMs: up ? 0.3 : null, error: null } });
    }
    if (batch.length >= 10_000) {
      store.append(batch);
      batch = [];
    }
  }
  store.append(batch);
  store.close();
}

/** Peak resident memory of a command (VmHWM via GNU time's %M), in MiB. */
function peakRssMiB(command: string, args: string[]): number {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  return Number(result.stderr.trim().split('\n').pop()) / 1024;
}

/** Issue 14: `socklab prober report` over a one-year store, beside the sqlite3 shell's plain GROUP BY. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-year-'));
  const file = path.join(dir, 'prober.db');
  try {
    const built = performance.now();
    yearStore(file);
    const buildSeconds = (performance.now() - built) / 1000;
    const megabytes = statSync(file).size / 1e6;
    const report = [CLI, 'prober', 'report', '--db', file, '--json'];
    timeCommand(process.execPath, report); // warm the file cache for both
    const samples = await alternate(ROUNDS, {
      socklab: () => timeCommand(process.execPath, report),
      sqlite3: () => timeCommand('sqlite3', [file, PEER_QUERY]),
      heatmap: () => {
        // The dashboard's panel: the 14-day hour × day map, the switches, the latest probes and the report.
        const started = performance.now();
        const panel = proberPanel(file, 14);
        if (!panel.ok) throw new Error(panel.error);
        return performance.now() - started;
      },
    });
    const rss = peakRssMiB(process.execPath, report);
    const ratio = median(samples.socklab!) / median(samples.sqlite3!);
    const answered = JSON.parse(spawnSync(process.execPath, report, { encoding: 'utf8' }).stdout) as { probes: number };
    return {
      name: `prober report over a one-year store (${answered.probes.toLocaleString('en')} probes, ${megabytes.toFixed(0)} MB) vs the sqlite3 shell's GROUP BY hour and family`,
      table: [
        ['command', `median ms (${ROUNDS} alternating runs)`, 'samples'],
        ['socklab prober report --json', median(samples.socklab!).toFixed(0), samples.socklab!.map((value) => value.toFixed(0)).join(', ')],
        ['sqlite3 GROUP BY over probes', median(samples.sqlite3!).toFixed(0), samples.sqlite3!.map((value) => value.toFixed(0)).join(', ')],
        ['ratio', ratio.toFixed(2), ''],
        ['dashboard prober panel (in process, 14 days)', median(samples.heatmap!).toFixed(1), samples.heatmap!.map((value) => value.toFixed(1)).join(', ')],
        ['socklab peak RSS (MiB)', rss.toFixed(1), ''],
      ],
      verdict: `ratio ${ratio.toFixed(2)} (target ≤ 0.5), peak RSS ${rss.toFixed(1)} MiB (target < 100); the dashboard's panel ${median(samples.heatmap!).toFixed(1)} ms (${(median(samples.heatmap!) / median(samples.sqlite3!)).toFixed(3)} of sqlite3's); the store took ${buildSeconds.toFixed(0)} s to write`,
      pass: ratio <= 0.5 && rss < 100 && median(samples.heatmap!) <= median(samples.sqlite3!) / 2,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
