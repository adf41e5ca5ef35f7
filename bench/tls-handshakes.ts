import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureLocalServerCertificate } from '../lib/certs/local.js';
import { SERVICES } from '../services/registry.js';
import { alternate, type BenchResult, median, portOf, startService } from './harness.js';

const SECONDS = 2;
const ROUNDS = 15;
/** Unmeasured handshakes before the first round: a daemon that runs for hours is judged on its steady state, not on V8 still compiling its code (seen here for about 6 s). */
const WARM_UP_SECONDS = 10;

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

/** A bare Node.js TLS server with the same key, certificate and Node.js flags: what Node itself costs. */
async function bareNodeServer(key: string, cert: string, nodeArgs: readonly string[]): Promise<{ child: ChildProcess; port: number }> {
  const script = `const tls = require('node:tls'); const fs = require('node:fs');
const server = tls.createServer({ key: fs.readFileSync(process.argv[1]), cert: fs.readFileSync(process.argv[2]), minVersion: 'TLSv1.2' }, (socket) => { socket.on('error', () => {}); socket.end(); });
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, [...nodeArgs, '-e', script, key, cert], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`the bare Node.js server exited ${code}`)));
  });
  return { child, port };
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/**
 * Servers on the last core, the client on the first: on a shared 2-core machine the client and the
 * server measured otherwise preempt each other, and each round's figure swings by ±15 %.
 */
const SERVER_CPU = String(os.availableParallelism() - 1);
const CLIENT_CPU = '0';

function pinServer(pid: number): void {
  spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', SERVER_CPU, String(pid)], { stdio: 'ignore' });
}

/** Full handshakes per CPU second of the server, as `openssl s_time -new` makes them. */
function handshakesPerCpuSecond(port: number, pid: number, seconds = SECONDS): number {
  const before = cpuSeconds(pid);
  const result = spawnSync('taskset', ['--cpu-list', CLIENT_CPU, 'openssl', 's_time', '-connect', `127.0.0.1:${port}`, '-new', '-time', String(seconds)], { encoding: 'utf8' });
  const used = cpuSeconds(pid) - before;
  const match = /(\d+) connections in ([\d.]+)s?;?\s/.exec(result.stdout) ?? /(\d+) connections in ([\d.]+) real seconds/.exec(result.stdout);
  if (!match) throw new Error(`s_time said: ${result.stdout}${result.stderr}`);
  return Number(match[1]) / Math.max(used, 0.01);
}

/** Issues 7 and 24: full handshakes per server CPU-second, tls-pmu vs a bare Node.js server vs `openssl s_server`, same RSA-2048 key and certificate. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-bench-'));
  const key = path.join(dir, 'server_key.pem');
  const cert = path.join(dir, 'server.cert.pem');
  ensureLocalServerCertificate({ keyFile: key, certFile: cert, caDir: path.join(dir, 'ca') });
  const ours = await startService(['service', 'tls-pmu', '--tlsPmu.key', key, '--tlsPmu.cert', cert, '--tlsPmu.port', '0'], SERVICES['tls-pmu']!.nodeArgs);
  const theirs = await opensslServer(key, cert);
  const bare = await bareNodeServer(key, cert, SERVICES['tls-pmu']!.nodeArgs ?? []);
  let samples: Record<string, number[]>;
  try {
    const ourPort = portOf(ours.endpoints, 'tls-pmu');
    for (const pid of [ours.child.pid!, bare.child.pid!, theirs.child.pid!]) pinServer(pid);
    for (const [port, pid] of [[ourPort, ours.child.pid!], [bare.port, bare.child.pid!], [theirs.port, theirs.child.pid!]] as const) handshakesPerCpuSecond(port, pid, WARM_UP_SECONDS);
    samples = await alternate(ROUNDS, {
      socklab: () => handshakesPerCpuSecond(ourPort, ours.child.pid!),
      node: () => handshakesPerCpuSecond(bare.port, bare.child.pid!),
      openssl: () => handshakesPerCpuSecond(theirs.port, theirs.child.pid!),
    });
  } finally {
    await ours.stop();
    theirs.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  // Each round measures the servers one after the other: the ratio within a round is free of the
  // machine's drift between rounds, and its median is the verdict.
  const paired = (peer: number[]): number => median(samples.socklab!.map((value, round) => value / peer[round]!));
  const toNode = paired(samples.node!);
  const toOpenssl = paired(samples.openssl!);
  const ratios = (peer: number[]): string => samples.socklab!.map((value, round) => (value / peer[round]!).toFixed(2)).join(', ');
  return {
    name: 'TLS PMU: full handshakes per server CPU-second (`openssl s_time -new`), tls-pmu vs a bare Node.js `tls.createServer` vs `openssl s_server`, RSA-2048, the same key',
    table: [
      ['server', `handshakes per CPU-second, median of ${ROUNDS} × ${SECONDS} s (after ${WARM_UP_SECONDS} s unmeasured)`, 'samples'],
      ['socklab tls-pmu', median(samples.socklab!).toFixed(0), samples.socklab!.map((value) => value.toFixed(0)).join(', ')],
      ['bare Node.js tls.createServer', median(samples.node!).toFixed(0), samples.node!.map((value) => value.toFixed(0)).join(', ')],
      ['openssl s_server', median(samples.openssl!).toFixed(0), samples.openssl!.map((value) => value.toFixed(0)).join(', ')],
      ['tls-pmu ÷ bare Node.js, median of the rounds\' ratios', toNode.toFixed(2), ratios(samples.node!)],
      ['tls-pmu ÷ openssl, median of the rounds\' ratios', toOpenssl.toFixed(2), ratios(samples.openssl!)],
    ],
    verdict: `tls-pmu ${toNode.toFixed(2)} × bare Node.js (target ≥ 0.95), ${toOpenssl.toFixed(2)} × openssl s_server`,
    pass: toNode >= 0.95,
  };
}
