import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { ensureLocalServerCertificate } from '../lib/certs/local.js';
import { SERVICES } from '../services/registry.js';
import { portOf, startService } from './harness.js';

export interface RunningTlsPmu {
  port: number;
  ca: Buffer;
  /** Resident memory of the server process now (VmRSS), in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** `socklab service tls-pmu` as pm2 runs it (its Node.js flags), in a process of its own, with a fresh local CA. */
export async function startTlsPmu(settings: string[] = []): Promise<RunningTlsPmu> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-bench-'));
  const files = { keyFile: path.join(dir, 'server_key.pem'), certFile: path.join(dir, 'server.cert.pem'), caDir: path.join(dir, 'ca') };
  ensureLocalServerCertificate(files);
  const service = await startService(
    ['service', 'tls-pmu', '--tlsPmu.key', files.keyFile, '--tlsPmu.cert', files.certFile, '--tlsPmu.port', '0', ...settings],
    SERVICES['tls-pmu']!.nodeArgs,
  );
  return {
    port: portOf(service.endpoints, 'tls-pmu'),
    ca: readFileSync(path.join(files.caDir, 'cacert.pem')),
    rssMiB: service.rssMiB,
    stop: async () => {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
