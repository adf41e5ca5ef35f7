import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchResult, CLI } from './harness.js';

const SETTINGS = ['--pmu.messagesMin', '10', '--pmu.messagesMax', '10']; // the same n (so CMD_short:1's 10 s) on both sides

function timed(args: string[]): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`socklab ${args.join(' ')} exited ${result.status}`);
  return (performance.now() - started) / 1000;
}

/** Issue 15: the whole notebook, against the same commands run one by one in the campus, in the same run. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-notebook-bench-'));
  try {
    const socklab = `${process.execPath} ${CLI}`;
    const oneByOne = [
      `${socklab} echo serve --port 5002 2>/dev/null & server=$!; sleep 0.5; ${socklab} echo send --port 5002; kill $server`,
      `${socklab} pdc CMD_short:0 --json`,
      `${socklab} pdc CMD_short:1 --json`,
      `${socklab} pdc CMD_floodme > ${dir}/flood.txt`,
      `${socklab} pdc CMD_floodme --recv-size 1024 --json`,
      `${socklab} reset --json`,
      `${socklab} reset --runs 60 --concurrency 10 --json`,
      `${socklab} mcast listen --count 4 --json & listener=$!; sleep 0.5; ${socklab} mcast send --id 123456 --message "$(printf 'O Romeo! %.0s' $(seq 39))"; wait $listener`,
      `${socklab} ws CMD_short:0 --json`,
      `${socklab} ws CMD_floodme --json`,
      `${socklab} tls CMD_short:0 --tls-version 1.3 --json`,
      `${socklab} tls CMD_short:0 --tls-version 1.2 --json`,
    ].join(' > /dev/null\n');
    const notebook = timed([...SETTINGS, 'notebook', '--out', path.join(dir, 'nb')]);
    // Issue 27: with the capture, the counts beside it and the four pictures drawn from it by tshark.
    const withPcap = timed([...SETTINGS, 'notebook', '--pcap', '--out', path.join(dir, 'nb-pcap')]);
    const sequential = timed([...SETTINGS, 'campus', '--tls-pmu', '--', 'sh', '-c', `${oneByOne} > /dev/null`]);
    const ratio = notebook / sequential;
    return {
      name: 'socklab notebook (every experiment, in the campus, n = 10), with and without --pcap, vs the same commands run one by one in the campus',
      table: [
        ['run', 'seconds'],
        ['socklab notebook', notebook.toFixed(1)],
        ['socklab notebook --pcap (capture, tshark, pictures)', withPcap.toFixed(1)],
        ['the same commands, one by one', sequential.toFixed(1)],
        ['ratio', ratio.toFixed(2)],
      ],
      verdict: `notebook ${notebook.toFixed(1)} s (target < 60 s), ${ratio.toFixed(2)} of the commands one by one; with --pcap ${withPcap.toFixed(1)} s (target < 30 s)`,
      pass: notebook < 60 && withPcap < 30,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
