import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureLocalServerCertificate } from '../lib/certs/local.js';
import { alternate, type BenchResult, CLI, median } from './harness.js';
import { closeServer } from '../lib/listen.js';

const SECONDS = 5;
const ROUNDS = 3;

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await closeServer(server);
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on ${port}`);
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
  const ourPort = await freePort();
  const theirPort = await freePort();
  const ours = spawn(process.execPath, [CLI, 'service', 'tls-pmu', '--tlsPmu.key', key, '--tlsPmu.cert', cert, '--tlsPmu.port', String(ourPort), '--log.format', 'json'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, SOCKLAB_PROFILE: 'local' },
  });
  const theirs = spawn('openssl', ['s_server', '-key', key, '-cert', cert, '-accept', String(theirPort), '-quiet', '-naccept', '1000000'], { stdio: ['ignore', 'ignore', 'ignore'] });
  let samples: Record<string, number[]>;
  try {
    await Promise.all([waitForPort(ourPort), waitForPort(theirPort)]);
    samples = await alternate(ROUNDS, { socklab: () => handshakesPerSecond(ourPort), openssl: () => handshakesPerSecond(theirPort) });
  } finally {
    ours.kill('SIGTERM');
    theirs.kill('SIGTERM');
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
