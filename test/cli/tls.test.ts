import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { floodText } from '../../lib/pmu/flood.js';
import { CA_CERT, signCsr } from '../../lib/certs/ca.js';
import { makeCsr } from '../../lib/certs/csr.js';
import { makeKey } from '../../lib/certs/key.js';
import { ensureLocalServerCertificate } from '../../lib/certs/local.js';
import { TlsPmuServer } from '../../services/tls-pmu/server.js';
import { pmuMessage } from '../../lib/pmu/command.js';
import { tlsSessions } from '../../services/dashboard/data.js';
import { closeAfter, memoryLogger, pmuTestOptions, runCli, spawnService, waitFor } from '../helpers.js';

const hasCaptureTools = process.getuid?.() === 0 && ['tcpdump', 'tshark'].every((tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0);

const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-tls-cli-'));
const files = { keyFile: path.join(folder, 'server_key.pem'), certFile: path.join(folder, 'server.cert.pem'), caDir: path.join(folder, 'ca') };

async function server(material: { key?: Buffer; cert?: Buffer } = {}): Promise<string> {
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
        ...material,
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

  it('counts one session per run, each with its command, and no failed handshake: its trace handshake ends with close_notify', async () => {
    ensureLocalServerCertificate(files);
    const { logger, lines } = memoryLogger('tls-pmu');
    const tls = closeAfter(new TlsPmuServer({ ...pmuTestOptions(floodText(1000, 1)), host: '127.0.0.1', port: 0, key: readFileSync(files.keyFile), cert: readFileSync(files.certFile), maxConnections: 10, handshakeTimeoutMs: 2000 }, logger));
    const port = String((await tls.listen()).port);
    const ca = path.join(files.caDir, CA_CERT);
    for (const version of ['1.3', '1.2']) expect((await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--tls-version', version])).code).toBe(0);
    await waitFor('both trace handshakes to be logged', () => lines().filter((line) => line.message === 'connection without a command').length === 2);
    const sessions = tlsSessions(lines().map((line) => JSON.stringify(line)));
    expect(sessions.last.map((session) => [session.tlsVersion, session.command])).toEqual([['TLSv1.2', 'CMD_short:0'], ['TLSv1.3', 'CMD_short:0']]);
    expect(lines().filter((line) => line.message === 'handshake failed')).toEqual([]);
    expect(tls.counters).toMatchObject({ sessions: 2, silent: 2, handshakeFailures: 0 });
  });

  it('tls-pmu warns of a weak key, a certificate about to expire and a key file others can read, and serves all the same', async () => {
    ensureLocalServerCertificate(files);
    const weakKey = path.join(folder, 'weak_key.pem');
    const weakCert = path.join(folder, 'weak.cert.pem');
    makeKey({ bits: 1024, out: weakKey, force: true });
    chmodSync(weakKey, 0o644);
    makeCsr({ keyFile: weakKey, subject: { cn: 'localhost' }, sans: ['DNS:localhost'], out: path.join(folder, 'weak.csr'), force: true });
    signCsr({ caDir: files.caDir, csrFile: path.join(folder, 'weak.csr'), days: 10, out: weakCert, force: true });
    const service = await spawnService(['service', 'tls-pmu', '--tlsPmu.key', weakKey, '--tlsPmu.cert', weakCert, '--tlsPmu.port', '0']);
    const warnings = service.logLines().filter((line) => line.message === 'certificate or key needs attention');
    expect(warnings.every((line) => line.level === 'warn')).toBe(true);
    expect(warnings.map((line) => line.warning)).toEqual([
      expect.stringMatching(/^the certificate expires in (9|10) days, on /),
      expect.stringMatching(/^1024-bit key: .*security level 2/),
      `the key file ${weakKey} is readable by every user (mode 0644): chmod 600 ${weakKey}`,
    ]);
  });

  it('tls-pmu stops with exit 2 and one line in words for a key or certificate it cannot use', async () => {
    ensureLocalServerCertificate(files);
    const file = (name: string, content: string | Buffer) => {
      const target = path.join(folder, name);
      writeFileSync(target, content, { mode: 0o600 });
      return target;
    };
    const otherKey = path.join(folder, 'other_key.pem');
    makeKey({ bits: 2048, out: otherKey, force: true });
    const encrypted = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'right' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
    const encryptedKey = file('encrypted_key.pem', encrypted);
    const cases: Array<[string[], string]> = [
      [['--tlsPmu.key', file('garbage_key.pem', randomBytes(300))], `tlsPmu.key ${path.join(folder, 'garbage_key.pem')} is not a PEM private key`],
      [['--tlsPmu.key', file('empty_key.pem', '')], `tlsPmu.key ${path.join(folder, 'empty_key.pem')} is empty`],
      [['--tlsPmu.cert', file('bad.cert.pem', '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n')], `tlsPmu.cert ${path.join(folder, 'bad.cert.pem')} is not a PEM certificate`],
      [['--tlsPmu.key', otherKey], `tlsPmu.key ${otherKey} does not match the certificate tlsPmu.cert ${files.certFile}: they are not a pair`],
      [['--tlsPmu.key', encryptedKey], `tlsPmu.key ${encryptedKey} is encrypted: give its passphrase in tlsPmu.passphrase`],
      [['--tlsPmu.key', encryptedKey, '--tlsPmu.passphrase', 'wrong'], `tlsPmu.key ${encryptedKey} cannot be decrypted: tlsPmu.passphrase is not its passphrase`],
    ];
    for (const [settings, problem] of cases) {
      const given = Object.fromEntries(settings.flatMap((value, index) => (index % 2 === 0 ? [[value, settings[index + 1]!]] : [])));
      const merged = { '--tlsPmu.key': files.keyFile, '--tlsPmu.cert': files.certFile, ...given };
      const run = await runCli(['service', 'tls-pmu', ...Object.entries(merged).flat(), '--tlsPmu.port', '0', '--log.format', 'json']);
      expect(run.code, problem).toBe(2);
      const failure = (run.stdout + run.stderr).split('\n').filter((line) => line.includes('could not start'));
      expect(failure, problem).toHaveLength(1);
      expect(String((JSON.parse(failure[0]!) as { error: string }).error)).toContain(problem);
      expect(run.stdout + run.stderr, problem).not.toMatch(/error:[0-9A-F]{8}|OSSL|at .*\.js:\d+/); // no OpenSSL text, no stack
    }
  });

  it('tls-pmu without its key stops with exit 2 and the steps to make one', async () => {
    const run = await runCli(['service', 'tls-pmu', '--tlsPmu.key', path.join(folder, 'missing_key.pem'), '--tlsPmu.port', '0', '--log.format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toContain('socklab cert key --id CAMIPRO');
    expect(run.stdout + run.stderr).toContain('cannot be read (ENOENT)');
  });

  it('--grader connects as the handout\'s Python grader does, and says when a verifying grader would refuse the server', async () => {
    const port = await server();
    const ca = path.join(files.caDir, CA_CERT);
    const good = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--grader']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toBe(`${[1, 2, 3].map(pmuMessage).join('\n')}\n`);
    expect(good.stderr).toMatch(/^grader as the handout writes it \(SSLContext\(PROTOCOL_SSLv23\), verifies nothing\): TLSv1\.3 TLS_AES_256_GCM_SHA384, 3 messages\na verifying grader \(CERT_REQUIRED, check_hostname localhost\): accepts the server\n/);
    // The certificate names localhost, not pmu.example: the handout's context does not notice, a verifying one does.
    const misnamed = JSON.parse((await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--servername', 'pmu.example', '--grader', '--json'])).stdout) as {
      asWritten: { ok: boolean };
      verifying: { ok: boolean; error: string };
    };
    expect(misnamed.asWritten.ok).toBe(true);
    expect(misnamed.verifying).toMatchObject({ ok: false, error: expect.stringMatching(/certificate verify failed: Hostname mismatch|doesn't match/) });
  });

  it('refuses a 1024-bit server key as the grader\'s Python does (security level 2), saying why; --seclevel 1 connects', async () => {
    ensureLocalServerCertificate(files);
    const weakKey = path.join(folder, 'weak2_key.pem');
    const weakCert = path.join(folder, 'weak2.cert.pem');
    makeKey({ bits: 1024, out: weakKey, force: true });
    makeCsr({ keyFile: weakKey, subject: { cn: 'localhost' }, sans: ['DNS:localhost'], out: path.join(folder, 'weak2.csr'), force: true });
    signCsr({ caDir: files.caDir, csrFile: path.join(folder, 'weak2.csr'), days: 30, out: weakCert, force: true });
    const port = await server({ key: readFileSync(weakKey), cert: readFileSync(weakCert) });
    const ca = path.join(files.caDir, CA_CERT);
    const refused = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `socklab: the certificate of 127.0.0.1:${port} has a key too weak for OpenSSL security level 2, which Debian's and Ubuntu's Python (the grader's) use: make a 2048-bit key (socklab cert key), or connect anyway with --seclevel 1\n`,
    );
    const lowered = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--seclevel', '1']);
    expect(lowered.code).toBe(0);
    expect(lowered.stdout.split('\n')).toHaveLength(4);
  });

  it.runIf(hasCaptureTools)('reports the handshake as a capture shows it, for TLS 1.2 and 1.3; its key log decrypts the capture; one TLS record per PMU message', async () => {
    const port = await server();
    const ca = path.join(files.caDir, CA_CERT);
    for (const version of ['1.2', '1.3'] as const) {
      const capture = path.join(folder, `tls${version}.pcap`);
      const keylog = path.join(folder, `tls${version}.keys`);
      const tcpdump = spawn('tcpdump', ['--immediate-mode', '-U', '-i', 'lo', '-nn', '-w', capture, `tcp port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      onTestFinished(() => {
        tcpdump.kill('SIGKILL');
      });
      let said = '';
      tcpdump.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
      await waitFor('tcpdump to listen', () => said.includes('listening'));
      const run = await runCli(['tls', 'CMD_short:0', '--port', port, '--ca', ca, '--tls-version', version, '--keylog', keylog, '--json']);
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { localPort: number; tls: Record<string, unknown> & { handshakeSegments: { toServer: number; fromServer: number } } };
      const session = result.tls;
      expect(session).toMatchObject({ version: `TLSv${version}`, keyExchange: 'ECDHE X25519', serverKey: 'RSA 2048', recordCipher: 'AES-256-GCM', recordIntegrity: 'AEAD (GCM)', signatureAlgorithm: 'rsa_pss_rsae_sha256' });
      if (version === '1.3') expect(session.suitesOffered).toBe(3); // TLS 1.3 only: its three suites
      else expect(session.suitesOffered as number).toBeGreaterThan(3);
      await waitFor('the whole exchange in the capture', () =>
        spawnSync('tcpdump', ['-nn', '-r', capture], { encoding: 'utf8' }).stdout.split('\n').some((line) => line.includes(`127.0.0.1.${port} >`) && /Flags \[F/.test(line)),
      );
      tcpdump.kill('SIGINT');
      await new Promise((resolve) => tcpdump.on('exit', resolve));
      // tshark, with the key log, decrypts every record: the frame that carries the command ends the
      // handshake; the payload packets each way before it are the handshake's.
      const frames = spawnSync('tshark', ['-r', capture, '-d', `tcp.port==${port},tls`, '-o', `tls.keylog_file:${keylog}`, '-T', 'fields', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.len', '-e', 'data.data'], { encoding: 'utf8' })
        .stdout.trim()
        .split('\n')
        .map((line) => {
          const [source, destination, length, data] = line.split('\t');
          const records = (data ?? '').split(',').filter(Boolean).map((hex) => Buffer.from(hex.replace(/:/g, ''), 'hex').toString());
          return { fromServer: source === port, client: source === port ? destination : source, payload: Number(length) > 0, records };
        })
        // the exchange's own connection (the signature algorithm is read over a second one)
        .filter((frame) => frame.payload && frame.client === String(result.localPort));
      const command = frames.findIndex((frame) => !frame.fromServer && frame.records.includes('CMD_short:0'));
      expect(command).toBeGreaterThan(0);
      const before = frames.slice(0, command);
      expect(session.handshakeSegments).toEqual({ toServer: before.filter((frame) => !frame.fromServer).length, fromServer: before.filter((frame) => frame.fromServer).length });
      // Each PMU message in its own record, decrypted with the key log.
      expect(frames.filter((frame) => frame.fromServer).flatMap((frame) => frame.records)).toEqual([1, 2, 3].map(pmuMessage));
    }
  });
});
