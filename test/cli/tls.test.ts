import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { floodText } from '../../lib/pmu/flood.js';
import { CA_CERT, signCsr } from '../../lib/certs/ca.js';
import { makeCsr } from '../../lib/certs/csr.js';
import { makeKey } from '../../lib/certs/key.js';
import { ensureLocalServerCertificate } from '../../lib/certs/local.js';
import { TlsPmuServer } from '../../services/tls-pmu/server.js';
import { CLI, closeAfter, memoryLogger, pmuTestOptions, runCli, withoutSocklabVariables } from '../helpers.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-cli-'));
const files = { keyFile: path.join(folder, 'server_key.pem'), certFile: path.join(folder, 'server.cert.pem'), caDir: path.join(folder, 'ca') };

async function server(): Promise<string> {
  ensureLocalServerCertificate(files);
  const tls = closeAfter(
    new TlsPmuServer(
      {
        ...pmuTestOptions(floodText(1000, 1)),
        messagesMin: 3,
        messagesMax: 3,
        host: '127.0.0.1',
        port: 0,
        key: readFileSync(files.keyFile),
        cert: readFileSync(files.certFile),
        maxConnections: 10,
        handshakeTimeoutMs: 2000,
      },
      memoryLogger().logger,
    ),
  );
  return String((await tls.listen()).port);
}

describe('socklab tls and socklab service tls-pmu', () => {
  it('tls checks the certificate, prints the messages, and reports version, cipher and subject', async () => {
    const port = await server();
    const ca = path.join(files.caDir, CA_CERT);
    const plain = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe('This is PMU data 1\nThis is PMU data 2\nThis is PMU data 3\n');
    expect(plain.stderr).toMatch(/^TLSv1\.3 TLS_AES_256_GCM_SHA384, server O=socklab, CN=localhost, 3 messages, /);
    const json = JSON.parse((await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--json'])).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ transport: 'tls', messages: ['This is PMU data 1', 'This is PMU data 2', 'This is PMU data 3'], tls: { version: 'TLSv1.3', authorized: true } });
    const handshake = (json.tls as { handshakeSegments: { fromServer: number; toServer: number } }).handshakeSegments;
    expect(handshake.fromServer).toBeGreaterThanOrEqual(1); // the server's flight: ServerHello … Finished
    expect(handshake.toServer).toBeGreaterThanOrEqual(1); // at least the ClientHello
    const untrusted = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', files.certFile]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toContain('is not trusted');
    const insecure = await runCli(['tls', 'CMD_short:0', '--port', port, '--insecure']);
    expect(insecure.code).toBe(0);
    expect(insecure.stderr).toContain('warning: --insecure');
    const wrongName = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--servername', 'example.org']);
    expect(wrongName.code).toBe(1);
  });

  it('tls-pmu warns when its key is weaker than 2048 bits, and serves all the same', async () => {
    ensureLocalServerCertificate(files);
    const weakKey = path.join(folder, 'weak_key.pem');
    const weakCert = path.join(folder, 'weak.cert.pem');
    makeKey({ bits: 1024, out: weakKey, force: true });
    makeCsr({ keyFile: weakKey, subject: { cn: 'localhost' }, sans: ['DNS:localhost'], out: path.join(folder, 'weak.csr'), force: true });
    signCsr({ caDir: files.caDir, csrFile: path.join(folder, 'weak.csr'), days: 30, out: weakCert, force: true });
    const child = spawn(process.execPath, [CLI, 'service', 'tls-pmu', '--tlsPmu.key', weakKey, '--tlsPmu.cert', weakCert, '--tlsPmu.port', '0', '--log.format', 'json'], {
      env: withoutSocklabVariables(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let output = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"message":"ready"')) resolve();
      }),
    );
    const warning = output.split('\n').find((line) => line.includes('"message":"weak key"'));
    expect(JSON.parse(warning!)).toMatchObject({ level: 'warn', bits: 1024 });
    expect(warning).toContain('security level 2');
  });

  it('tls-pmu without its key stops with exit 2 and the steps to make one', async () => {
    const run = await runCli(['service', 'tls-pmu', '--tlsPmu.key', path.join(folder, 'missing_key.pem'), '--tlsPmu.port', '0', '--log.format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('socklab cert key --id CAMIPRO');
    expect(run.stdout + run.stderr).toContain('cannot be read (ENOENT)');
  });
});
