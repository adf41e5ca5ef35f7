import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { ensureLocalServerCertificate } from '../lib/certs/local.js';
import { SERVICES } from '../services/registry.js';
import { CLI, portOf } from './harness.js';

export interface RunningTlsPmu {
  port: number;
  ca: Buffer;
  /** Resident memory of the server process now (VmRSS), in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** `socklab service tls-pmu` as pm2 runs it (its Node.js flags), in a process of its own, with a fresh local CA. */
export function startTlsPmu(settings: string[] = []): Promise<RunningTlsPmu> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-bench-'));
  const files = { keyFile: path.join(dir, 'server_key.pem'), certFile: path.join(dir, 'server.cert.pem'), caDir: path.join(dir, 'ca') };
  ensureLocalServerCertificate(files);
  const child = spawn(
    process.execPath,
    [...(SERVICES['tls-pmu']!.nodeArgs ?? []), CLI, 'service', 'tls-pmu', '--tlsPmu.key', files.keyFile, '--tlsPmu.cert', files.certFile, '--tlsPmu.port', '0', '--log.format', 'json', ...settings],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SOCKLAB_PROFILE: 'local' } },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.on('exit', (code) => reject(new Error(`tls-pmu exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = output.split('\n').find((line) => line.includes('"message":"ready"'));
      if (!ready) return;
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume(); // one log line a session: read and dropped, as pm2 would write it away
      child.removeAllListeners('exit');
      resolve({
        port: portOf((JSON.parse(ready) as { endpoints: string[] }).endpoints, 'tls-pmu'),
        ca: readFileSync(path.join(files.caDir, 'cacert.pem')),
        rssMiB: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => {
              rmSync(dir, { recursive: true, force: true });
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

export interface GraderExchange {
  ok: boolean;
  handshakeMs: number;
}

/** One exchange as the grader makes it: verify the certificate against the CA, send CMD_short:0, read to the close. */
export function graderExchange(port: number, ca: Buffer, timeoutMs = 10_000): Promise<GraderExchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    let handshakeMs = Number.NaN;
    let data = '';
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      handshakeMs = performance.now() - started;
      socket.write('CMD_short:0');
    });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ ok: data.startsWith('This is PMU data 1This is PMU data 2'), handshakeMs }));
  });
}
