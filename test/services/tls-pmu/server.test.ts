import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runPdc } from '../../../lib/clients/pdc.js';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { floodText } from '../../../lib/pmu/flood.js';
import { CA_CERT } from '../../../lib/certs/ca.js';
import { makeCsr } from '../../../lib/certs/csr.js';
import { makeKey } from '../../../lib/certs/key.js';
import { signCsr } from '../../../lib/certs/ca.js';
import { ensureLocalServerCertificate } from '../../../lib/certs/local.js';
import { tlsSessions } from '../../../services/dashboard/data.js';
import { TlsPmuServer, type TlsPmuServerOptions } from '../../../services/tls-pmu/server.js';
import { closeAfter, memoryLogger, pmuTestOptions, waitFor } from '../../helpers.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const GRADER = path.join(__dirname, '..', '..', 'interop', 'python', 'part6_pdc.py');
const FIVE = [1, 2, 3, 4, 5].map(pmuMessage);
/** The header of a ClientHello record that promises 512 bytes, and its first byte. */
const HALF_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);
/** docs/PROTOCOLS.md §TLS PMU: the fields of the session record. */
const SESSION_RECORD_FIELDS = ['bytes', 'cipher', 'command', 'durationMs', 'level', 'message', 'messages', 'outcome', 'peer', 'resumed', 'service', 'timestamp', 'tlsVersion'];

/** openssl s_client against the in-process server: asynchronous, or the server could not answer. */
function sClient(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end();
  });
}

// TLS material made once for the file, with our own tooling: a local CA and a localhost certificate.
const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-'));
const files = { keyFile: path.join(folder, 'server_key.pem'), certFile: path.join(folder, 'server.cert.pem'), caDir: path.join(folder, 'ca') };
const caFile = path.join(files.caDir, CA_CERT);
beforeAll(() => {
  ensureLocalServerCertificate(files);
});

async function startServer(overrides: Partial<TlsPmuServerOptions> = {}) {
  const { logger, lines } = memoryLogger('tls-pmu');
  const server = closeAfter(
    new TlsPmuServer(
      {
        ...pmuTestOptions(floodText(100_000, 2)),
        host: '127.0.0.1',
        port: 0,
        key: readFileSync(files.keyFile),
        cert: readFileSync(files.certFile),
        maxConnections: 400,
        handshakeTimeoutMs: 2000,
        ...overrides,
      },
      logger,
    ),
  );
  const { port } = await server.listen();
  return { port: String(port), lines };
}

describe('tls-pmu', () => {
  it('serves a Python client built like the grader\'s over TLS 1.3 and TLS 1.2, and logs each session', async () => {
    const { port, lines } = await startServer();
    const latest = await run(PYTHON, [GRADER, '127.0.0.1', port, caFile, 'CMD_short:0']);
    expect(latest.stdout).toBe(`TLSv1.3 TLS_AES_256_GCM_SHA384\n${FIVE.join('')}\n`);
    const older = await run(PYTHON, [GRADER, '127.0.0.1', port, caFile, 'CMD_short:0', 'max-1.2']);
    expect(older.stdout).toBe(`TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384\n${FIVE.join('')}\n`);
    const sessions = await waitFor('both session lines', () => {
      const logged = lines().filter((line) => line.message === 'session');
      return logged.length === 2 ? logged : undefined;
    });
    expect(sessions.map((line) => [line.tlsVersion, line.cipher, line.command, line.messages])).toEqual([
      ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', 'CMD_short:0', 5],
      ['TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384', 'CMD_short:0', 5],
    ]);
    // The session record is read across processes (the dashboard reads it from the pm2 log): its
    // shape is the one docs/PROTOCOLS.md documents, and this breaks when it changes.
    expect(Object.keys(sessions[0]!).sort()).toEqual(SESSION_RECORD_FIELDS);
    expect(tlsSessions(sessions.map((line) => `2026-12-07T10:00:00.000+00:00: ${JSON.stringify(line)}`)).last.map((session) => session.tlsVersion)).toEqual(['TLSv1.2', 'TLSv1.3']);
  });

  it('refuses TLS 1.1 and non-AEAD or non-forward-secret suites', async () => {
    const { port } = await startServer();
    const old = await sClient(['-connect', `127.0.0.1:${port}`, '-tls1_1']);
    expect(old.code).not.toBe(0);
    expect(old.output).toMatch(/alert protocol version|no protocols available|unsupported protocol/i);
    for (const cipher of ['AES256-SHA256', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA256']) {
      const weak = await sClient(['-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', cipher]);
      expect(weak.code, cipher).not.toBe(0);
      expect(weak.output).toMatch(/handshake failure|no cipher/i);
    }
  });

  it('answers bad commands with an ERROR line over TLS, as over TCP', async () => {
    const { port } = await startServer();
    const error = await runPdc({ host: '127.0.0.1', port: Number(port), command: 'CMD_short:-1', timeoutMs: 3000, tls: { ca: readFileSync(caFile), servername: 'localhost', rejectUnauthorized: true, securityLevel: 2 } }).catch(
      (caught: Error) => caught,
    );
    expect((error as Error).message).toMatch(/^the server answered: ERROR: interval "-1"/);
  });

  it('keeps serving through 300 junk, plain-TCP and aborted connections', async () => {
    const { port, lines } = await startServer({ handshakeTimeoutMs: 300 });
    const started = performance.now();
    const abuse = (index: number) =>
      new Promise<void>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
          if (index % 3 === 0) socket.end('CMD_short:0\n'); // plain TCP, no TLS
          else if (index % 3 === 1) socket.end(HALF_HELLO); // a ClientHello cut short
          else socket.destroy(); // gone before the handshake
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
        socket.setTimeout(3000, () => socket.destroy());
      });
    for (let batch = 0; batch < 6; batch += 1) await Promise.all(Array.from({ length: 50 }, (_, index) => abuse(batch * 50 + index)));
    const result = await runPdc({ host: '127.0.0.1', port: Number(port), command: 'CMD_short:0', timeoutMs: 3000, tls: { ca: readFileSync(caFile), servername: 'localhost', rejectUnauthorized: true, securityLevel: 2 } });
    expect(result.messages).toEqual(FIVE);
    expect(result.tls).toMatchObject({ version: 'TLSv1.3', authorized: true, subject: 'O=socklab, CN=localhost' });
    const failures = lines().filter((line) => line.message === 'handshake failed');
    expect(failures.length).toBeGreaterThan(0);
    // 300 failures, but the log is rate-limited to 5 lines a second (test/lib/rate-limited-log.test.ts)
    expect(failures.length).toBeLessThanOrEqual(5 * Math.ceil((performance.now() - started) / 1000 + 1));
  });

  it('resumes TLS sessions', async () => {
    const { port } = await startServer();
    const connect = (session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve) => {
        let ticket: Buffer | undefined;
        let reused = false;
        const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(caFile), servername: 'localhost', session, maxVersion: 'TLSv1.2' }, () => {
          reused = socket.isSessionReused();
          socket.write('CMD_short:0');
        });
        socket.on('session', (data: Buffer) => (ticket = data));
        socket.on('data', () => undefined);
        socket.on('close', () => resolve({ reused, session: ticket }));
      });
    const first = await connect();
    expect(first.session).toBeDefined();
    expect((await connect(first.session)).reused).toBe(true);
  });

  it('works with a 1024-bit key signed by the CA, for clients that lower their security level', async () => {
    const weakKey = path.join(folder, 'weak_key.pem');
    const weakCsr = path.join(folder, 'weak.csr');
    const weakCert = path.join(folder, 'weak.cert.pem');
    makeKey({ bits: 1024, out: weakKey, force: true });
    makeCsr({ keyFile: weakKey, subject: { cn: 'localhost' }, sans: ['DNS:localhost'], out: weakCsr, force: true });
    signCsr({ caDir: files.caDir, csrFile: weakCsr, days: 30, out: weakCert, force: true });
    const { port } = await startServer({ key: readFileSync(weakKey), cert: readFileSync(weakCert) });
    const lowered = await run(PYTHON, [GRADER, '127.0.0.1', port, caFile, 'CMD_short:0', 'seclevel1']);
    expect(lowered.stdout.split('\n')[1]).toBe(FIVE.join(''));
    const strict = await run(PYTHON, [GRADER, '127.0.0.1', port, caFile, 'CMD_short:0']).catch((error: { stderr: string }) => error);
    expect((strict as { stderr: string }).stderr).toMatch(/EE_KEY_TOO_SMALL|key too small|CERTIFICATE_VERIFY_FAILED/);
  });

  it('serves the grader-like client while 2,000 idle or slow-handshake connections are held open', async () => {
    const { port, lines } = await startServer({ maxConnections: 400, maxPendingPerAddress: 250, helloTimeoutMs: 20_000, handshakeTimeoutMs: 20_000 });
    const squatters: net.Socket[] = [];
    onTestFinished(() => squatters.forEach((socket) => socket.destroy()));
    await Promise.all(
      Array.from(
        { length: 2000 },
        (_, index) =>
          new Promise<void>((resolve) => {
            const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => {
              if (index % 2 === 1) socket.write(HALF_HELLO); // a ClientHello that never ends
              resolve();
            });
            socket.on('error', () => undefined);
            squatters.push(socket);
          }),
      ),
    );
    const graded = await run(PYTHON, [GRADER, '127.0.0.1', port, caFile, 'CMD_short:0']);
    expect(graded.stdout).toBe(`TLSv1.3 TLS_AES_256_GCM_SHA384\n${FIVE.join('')}\n`);
    expect(lines().filter((line) => line.message === 'session' && line.command === 'CMD_short:0')).toHaveLength(1);
  });

  it('closes a connection whose ClientHello is cut short by a FIN at once, not at the handshake timeout', async () => {
    // Timeouts far beyond the test's own: only the FIN can have closed it.
    const { port, lines } = await startServer({ handshakeTimeoutMs: 600_000, helloTimeoutMs: 600_000 });
    expect(await failureOf(port, lines, (socket) => socket.end(HALF_HELLO))).toMatchObject({ reason: 'closed before the handshake was complete' });
  });

  it('closes a connection that sends nothing at the hello deadline, and one that stops half-way at the handshake timeout', async () => {
    // Each deadline far beyond the test's own where it must not be the one that closed it.
    const silent = await startServer({ helloTimeoutMs: 200, handshakeTimeoutMs: 600_000 });
    expect(await failureOf(silent.port, silent.lines, () => undefined)).toMatchObject({ reason: 'sent nothing within 200 ms' });
    const stalled = await startServer({ helloTimeoutMs: 600_000, handshakeTimeoutMs: 400 });
    expect(await failureOf(stalled.port, stalled.lines, (socket) => socket.write(HALF_HELLO))).toMatchObject({ reason: 'no complete handshake within 400 ms' });
  });

  it('leaves a client that has spoken alone at the hello deadline, however long it then takes to send its command', async () => {
    const { port, lines } = await startServer({ helloTimeoutMs: 200, handshakeTimeoutMs: 600_000 });
    const client = tls.connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(caFile), servername: 'localhost' });
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise((resolve) => client.on('close', resolve));
    await new Promise((resolve) => client.once('secureConnect', resolve));
    // A connection opened after the client that sends nothing: once the sweep has closed it, it has passed the client's deadline too.
    expect(await failureOf(port, lines, () => undefined)).toMatchObject({ reason: 'sent nothing within 200 ms' });
    client.write('CMD_short:0\n');
    await closed;
    expect(received).toBe(FIVE.join(''));
  });

  it('answers a client that shuts down its side after the command, as over TCP', async () => {
    const { port } = await startServer();
    const client = tls.connect({ host: '127.0.0.1', port: Number(port), ca: readFileSync(caFile), servername: 'localhost' }, () => client.end('CMD_short:0\n'));
    client.allowHalfOpen = true; // it reads the answer after its FIN
    let received = '';
    client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    await new Promise((resolve) => client.on('close', resolve));
    expect(received).toBe(FIVE.join(''));
  });

  it('names plain text for what it is', async () => {
    const { port, lines } = await startServer();
    expect(await failureOf(port, lines, (socket) => socket.write('CMD_short:0\n'))).toMatchObject({ reason: 'not TLS (ERR_SSL_WRONG_VERSION_NUMBER)' });
  });
});

/** What the server logs of a raw TCP client that does `act` once connected and then waits for the server to close. */
async function failureOf(port: string, lines: () => Array<Record<string, unknown>>, act: (socket: net.Socket) => void): Promise<Record<string, unknown>> {
  await new Promise<void>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) }, () => act(socket));
    socket.on('error', () => undefined);
    socket.resume();
    socket.on('close', () => resolve());
  });
  return waitFor('the failure line', () => lines().find((line) => line.message === 'handshake failed'));
}
