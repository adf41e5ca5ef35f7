import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLocalServerCertificate } from '../lib/certs/local.js';
import { SERVICES } from '../services/registry.js';
import { alternate, type BenchResult, median, portOf, startService } from './harness.js';

const SECONDS = 5;
const ROUNDS = 3;

/**
 * `openssl s_server -quiet` on a port the system chose (quiet, as it is measured: it then names its
 * port nowhere, so `ss` finds it by process).
 */
async function opensslServer(key: string, cert: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn('openssl', ['s_server', '-key', key, '-cert', cert, '-accept', '127.0.0.1:0', '-quiet', '-naccept', '1000000'], { stdio: ['ignore', 'ignore', 'ignore'] });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const listening = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout.split('\n').find((line) => line.includes(`pid=${child.pid},`));
    const port = listening ? /127\.0\.0\.1:(\d+)/.exec(listening)?.[1] : undefined;
    if (port) return { child, port: Number(port) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('openssl s_server did not listen');
}

/** Full handshakes a second, as `openssl s_time -new` counts them. */
function handshakesPerSecond(port: number): number {
  const result = spawnSync('openssl', ['s_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', String(SECONDS)], { encoding: 'utf8' });
  const match = /(\d+) connections in ([\d.]+)s?;?\s/.exec(result.stdout) ?? /(\d+) connections in ([\d.]+) real seconds/.exec(result.stdout);
  if (!match) throw new Error(`s_time said: ${result.stdout}${result.stderr}`);
  return Number(match[1]) / Number(match[2]);
}

/** Issue 7: full handshakes a second, tls-pmu vs `openssl s_server`, same RSA-2048 key and certificate. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-bench-'));
  const key = path.join(dir, 'server_key.pem');
  const cert = path.join(dir, 'server.cert.pem');
  ensureLocalServerCertificate({ keyFile: key, certFile: cert, caDir: path.join(dir, 'ca') });
  const ours = await startService(['service', 'tls-pmu', '--tlsPmu.key', key, '--tlsPmu.cert', cert, '--tlsPmu.port', '0'], SERVICES['tls-pmu']!.nodeArgs);
  const theirs = await opensslServer(key, cert);
  let samples: Record<string, number[]>;
  try {
    const ourPort = portOf(ours.endpoints, 'tls-pmu');
    samples = await alternate(ROUNDS, { socklab: () => handshakesPerSecond(ourPort), openssl: () => handshakesPerSecond(theirs.port) });
  } finally {
    await ours.stop();
    theirs.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const ratio = median(samples.socklab!) / median(samples.openssl!);
  return {
    name: 'TLS PMU: full handshakes a second (`openssl s_time -new`), tls-pmu vs `openssl s_server`, RSA-2048',
    table: [
      ['server', `handshakes / s, median of ${ROUNDS} × ${SECONDS} s`, 'samples'],
      ['socklab tls-pmu', median(samples.socklab!).toFixed(0), samples.socklab!.map((value) => value.toFixed(0)).join(', ')],
      ['openssl s_server', median(samples.openssl!).toFixed(0), samples.openssl!.map((value) => value.toFixed(0)).join(', ')],
      ['ratio', ratio.toFixed(2), ''],
    ],
    verdict: `ratio ${ratio.toFixed(2)} (target ≥ 0.8)`,
    pass: ratio >= 0.8,
  };
}
