import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';
import { alternate, type BenchResult, CLI, median, portOf, startLab } from './harness.js';

const FLOOD_BYTES = 512 * 1024 * 1024;
const ROUNDS = 5;
const PEAK_RSS = path.join(projectRoot, 'dist', 'bench', 'peak-rss.js');

// For reference: what a bare Node client costs, so the CLI's own overhead shows.
const BARE_NODE = `const s=require('net').connect(+process.argv[1],'127.0.0.1',()=>s.write('CMD_floodme'));s.on('data',()=>{});`;

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Issue 4: receiving a 512 MiB flood, `socklab pdc` within 1.25× the wall time of socat from the
 * same server in the same run, and under 100 MB peak RSS with plain output.
 */
export async function run(): Promise<BenchResult> {
  const lab = await startLab(['--only', 'pmu-tcp', '--lab.pmuTcp.port', '0', '--pmu.floodBytes', String(FLOOD_BYTES)]);
  const port = String(portOf(lab.endpoints, 'pmu-tcp'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-bench-'));
  const rssFile = path.join(dir, 'rss');
  let times: Record<string, number[]>;
  try {
    times = await alternate(ROUNDS, {
      socat: () => timed('bash', ['-c', `printf CMD_floodme | socat -t 60 - TCP:127.0.0.1:${port} > /dev/null`]),
      socklab: () =>
        timed(process.execPath, ['--require', PEAK_RSS, CLI, 'pdc', 'CMD_floodme', '--port', port], { ...process.env, PEAK_RSS_FILE: rssFile }),
      bare: () => timed(process.execPath, ['-e', BARE_NODE, port]),
    });
  } finally {
    await lab.stop();
  }
  const peaks = readFileSync(rssFile, 'utf8').trim().split('\n').map((kib) => Number(kib) / 1024);
  rmSync(dir, { recursive: true, force: true });
  const ratio = median(times.socklab!) / median(times.socat!);
  const peak = Math.max(...peaks);
  const rate = (ms: number) => (FLOOD_BYTES / 1024 / 1024 / (ms / 1000)).toFixed(0);
  return {
    name: 'Flood client: `socklab pdc CMD_floodme > /dev/null` vs socat, 512 MiB from the emulator',
    table: [
      ['client', `median wall time (ms, ${ROUNDS} alternating runs)`, 'rate (MiB/s)'],
      ['socat -t 60 - TCP:…', median(times.socat!).toFixed(0), rate(median(times.socat!))],
      ['socklab pdc', median(times.socklab!).toFixed(0), rate(median(times.socklab!))],
      ['bare Node client (reference)', median(times.bare!).toFixed(0), rate(median(times.bare!))],
      ['ratio socklab / socat', ratio.toFixed(2), ''],
      ['socklab pdc peak RSS (MiB, worst run)', peak.toFixed(1), ''],
    ],
    verdict: `wall-time ratio ${ratio.toFixed(2)} (target ≤ 1.25), peak RSS ${peak.toFixed(1)} MiB (target < 100)`,
    pass: ratio <= 1.25 && peak < 100,
  };
}
