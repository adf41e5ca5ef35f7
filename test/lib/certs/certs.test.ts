import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { CA_CERT, CA_KEY, initCa, signCsr } from '../../../lib/certs/ca.js';
import { makeCsr } from '../../../lib/certs/csr.js';
import { makeKey } from '../../../lib/certs/key.js';
import { ensureLocalServerCertificate } from '../../../lib/certs/local.js';
import { verifyCertificate } from '../../../lib/certs/verify.js';
import { CLI, runCli } from '../../helpers.js';

const openssl = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
const dir = () => mkdtempSync(path.join(os.tmpdir(), 'socklab-certs-'));

function studentFlow(folder: string) {
  const key = path.join(folder, '123456_key.pem');
  const csr = path.join(folder, '123456.csr');
  makeKey({ bits: 2048, out: key, force: false });
  makeCsr({ keyFile: key, subject: { country: 'CH', org: 'EPFL', cn: 'localhost' }, sans: ['DNS:localhost', 'IP:127.0.0.1'], out: csr, force: false });
  const ca = path.join(folder, 'ca');
  initCa({ dir: ca, cn: 'Test CA', days: 30, force: false });
  return { key, csr, ca };
}

describe('certificate tooling (node-forge)', () => {
  it('makes an RSA-2048 key, mode 0600, and never overwrites it silently (its time is bench/cert-key.ts\'s)', () => {
    const out = path.join(dir(), 'k.pem');
    expect(makeKey({ bits: 2048, out, force: false })).toEqual({ file: out, bits: 2048, warnings: [] });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readFileSync(out, 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(openssl(['rsa', '-in', out, '-check', '-noout']).stdout).toContain('RSA key ok');
    expect(() => makeKey({ bits: 2048, out, force: false })).toThrow(/exists; refusing to overwrite/);
    expect(makeKey({ bits: 1024, out, force: true }).warnings[0]).toContain('security level 2');
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('makes a CSR OpenSSL accepts, with the subject and the SANs requested', () => {
    const { csr } = studentFlow(dir());
    const verified = openssl(['req', '-in', csr, '-verify', '-noout']);
    expect(verified.status).toBe(0);
    expect(verified.stderr + verified.stdout).toMatch(/verify OK/i);
    const text = openssl(['req', '-in', csr, '-noout', '-text']).stdout;
    expect(text).toMatch(/Subject: C ?= ?CH, O ?= ?EPFL, CN ?= ?localhost/);
    expect(text).toContain('DNS:localhost, IP Address:127.0.0.1');
    expect(text).toContain('sha256WithRSAEncryption');
  });

  it('signs a CSR with its local CA; OpenSSL verifies the result, and we verify it too', () => {
    const folder = dir();
    const { key, csr, ca } = studentFlow(folder);
    const cert = path.join(folder, '123456.cert.pem');
    const signedAt = Date.now();
    signCsr({ caDir: ca, csrFile: csr, days: 30, out: cert, force: false });
    expect(openssl(['verify', '-CAfile', path.join(ca, CA_CERT), cert]).stdout.trim()).toBe(`${cert}: OK`);
    expect(statSync(path.join(ca, CA_KEY)).mode & 0o777).toBe(0o600);
    const text = openssl(['x509', '-in', cert, '-noout', '-text']).stdout;
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toContain('DNS:localhost, IP Address:127.0.0.1');
    expect(text).toContain('CA:FALSE');
    const report = verifyCertificate({ certFile: cert, caFile: path.join(ca, CA_CERT), keyFile: key, host: '127.0.0.1' });
    expect(report).toMatchObject({ ok: true, keyMatches: true, chained: true, problems: [], warnings: [], subject: 'C=CH, O=EPFL, CN=localhost', issuer: 'O=socklab, CN=Test CA' });
    const notBefore = Date.parse(/notBefore=(.*)/.exec(openssl(['x509', '-in', cert, '-noout', '-startdate']).stdout)![1]!);
    expect(signedAt - notBefore).toBeLessThanOrEqual(62_000); // a minute in the past, no more (whole seconds)

    // Within 14 days of its end, and with a key file others may read: ok, but said.
    const soon = path.join(folder, 'soon.cert.pem');
    signCsr({ caDir: ca, csrFile: csr, days: 5, out: soon, force: false });
    chmodSync(key, 0o640);
    expect(verifyCertificate({ certFile: soon, caFile: path.join(ca, CA_CERT), keyFile: key }).warnings).toEqual([
      expect.stringMatching(/^the certificate expires in 4 days, on /),
      `the key file ${key} is readable by its group (mode 0640): chmod 600 ${key}`,
    ]);
  });

  it('verifies a certificate OpenSSL signed from our CSR, and one OpenSSL made end to end with our CA', () => {
    const folder = dir();
    const { key, csr, ca } = studentFlow(folder);
    const signedByOpenssl = path.join(folder, 'openssl.cert.pem');
    execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(ca, CA_CERT), '-CAkey', path.join(ca, CA_KEY), '-CAcreateserial', '-out', signedByOpenssl, '-days', '30'], {
      stdio: 'ignore',
    });
    expect(verifyCertificate({ certFile: signedByOpenssl, caFile: path.join(ca, CA_CERT), keyFile: key, host: 'localhost' }).ok).toBe(true);

    // The handout's own commands (with 2048 bits), then our CA signs their CSR.
    const theirKey = path.join(folder, 'theirs_key.pem');
    const theirCsr = path.join(folder, 'theirs.csr');
    execFileSync('openssl', ['genrsa', '-out', theirKey, '2048'], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-new', '-key', theirKey, '-out', theirCsr, '-subj', '/C=CH/O=EPFL/CN=654321'], { stdio: 'ignore' });
    const theirCert = path.join(folder, 'theirs.cert.pem');
    signCsr({ caDir: ca, csrFile: theirCsr, days: 30, out: theirCert, force: false });
    expect(openssl(['verify', '-CAfile', path.join(ca, CA_CERT), theirCert]).stdout.trim()).toBe(`${theirCert}: OK`);
    expect(verifyCertificate({ certFile: theirCert, caFile: path.join(ca, CA_CERT), keyFile: theirKey, host: '654321' }).ok).toBe(true);
  });

  it('names every problem: another CA, another key, another host, outside the validity, not a CA; warns of SHA-1 and small keys', () => {
    const folder = dir();
    const { csr, ca } = studentFlow(folder);
    const cert = path.join(folder, 'c.pem');
    signCsr({ caDir: ca, csrFile: csr, days: 30, out: cert, force: false });
    const otherCa = path.join(folder, 'other');
    initCa({ dir: otherCa, cn: 'Test CA', days: 30, force: false });
    const otherKey = path.join(folder, 'other_key.pem');
    makeKey({ bits: 1024, out: otherKey, force: false });

    const wrong = verifyCertificate({ certFile: cert, caFile: path.join(otherCa, CA_CERT), keyFile: otherKey, host: 'example.org', now: new Date(Date.now() + 400 * 86_400_000) });
    expect(wrong.ok).toBe(false);
    expect(wrong.keyMatches).toBe(false);
    expect(wrong.chained).toBe(false);
    expect(wrong.problems).toEqual(
      expect.arrayContaining([
        "the signature does not verify with the CA's key",
        `the key ${otherKey} does not match the certificate`,
        'the certificate does not name the host example.org: it is valid for localhost, 127.0.0.1',
        expect.stringMatching(/^the certificate expired on /),
      ]),
    );
    // A leaf used as a CA; and a SHA-1, 1024-bit certificate made directly with node-forge.
    expect(verifyCertificate({ certFile: cert, caFile: cert }).problems).toContain('the CA certificate is not a CA (no basicConstraints CA:TRUE)');
    const caCert = forge.pki.certificateFromPem(readFileSync(path.join(ca, CA_CERT), 'utf8'));
    const caKey = forge.pki.privateKeyFromPem(readFileSync(path.join(ca, CA_KEY), 'utf8')) as forge.pki.rsa.PrivateKey;
    const weak = forge.pki.rsa.generateKeyPair({ bits: 1024 });
    const old = forge.pki.createCertificate();
    old.publicKey = weak.publicKey;
    old.serialNumber = '01';
    old.validity.notBefore = new Date(Date.now() - 60_000);
    old.validity.notAfter = new Date(Date.now() + 86_400_000);
    old.setSubject([{ shortName: 'CN', value: 'localhost' }]);
    old.setIssuer(caCert.subject.attributes);
    old.sign(caKey, forge.md.sha1.create());
    const oldFile = path.join(folder, 'old.pem');
    writeFileSync(oldFile, forge.pki.certificateToPem(old));
    const report = verifyCertificate({ certFile: oldFile, caFile: path.join(ca, CA_CERT), host: 'localhost' });
    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([expect.stringMatching(/^the certificate expires in 0 days/), expect.stringMatching(/^no subjectAltName/), expect.stringContaining('1024-bit key'), 'signed with SHA-1, which current clients refuse']);
  });

  it('makes the local profile\'s CA and server certificate once', () => {
    const folder = dir();
    const files = { keyFile: path.join(folder, 'server_key.pem'), certFile: path.join(folder, 'server.cert.pem'), caDir: path.join(folder, 'ca') };
    expect(ensureLocalServerCertificate(files)).toHaveLength(3);
    expect(ensureLocalServerCertificate(files)).toEqual([]);
    const report = verifyCertificate({ certFile: files.certFile, caFile: path.join(files.caDir, CA_CERT), keyFile: files.keyFile, host: '::1' });
    expect(report.ok).toBe(true);
    // testssl rates a server certificate valid over 398 days MEDIUM: ours stays under it.
    const days = (Date.parse(report.notAfter) - Date.parse(report.notBefore)) / 86_400_000;
    expect(days).toBeGreaterThan(396);
    expect(days).toBeLessThanOrEqual(398);
  });

  it('refuses an ID that is not a plain name, so that no key is written outside certs/', async () => {
    for (const id of ['../../x', 'a/b', '', 'x'.repeat(33), 'név']) {
      for (const command of ['key', 'csr']) {
        const run = await runCli(['cert', command, '--id', id]);
        expect(run.code, `${command} --id ${id}`).toBe(2);
        expect(run.stderr).toMatch(/^socklab: option '--id <camipro>' argument '.*' is invalid\. must be 1 to 32 letters, digits, "_" or "-"/);
      }
    }
  });

  it('asks for the missing subject fields on a terminal, as `openssl req` does', () => {
    const folder = dir();
    const key = path.join(folder, 'k.pem');
    makeKey({ bits: 2048, out: key, force: false });
    const csr = path.join(folder, 'tty.csr');
    // `script` gives the command a pseudo-terminal; the answers are typed ahead on its input.
    const command = `${process.execPath} ${CLI} cert csr --key ${key} --out ${csr}`;
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { input: 'CH\nVaud\nLausanne\nEPFL\n.\n123456\n\nDNS:localhost, IP:127.0.0.1\n', encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Country Name (2 letter code): ');
    expect(run.stdout).toContain('Subject Alternative Names, comma-separated (e.g. DNS:localhost,IP:127.0.0.1): ');
    expect(openssl(['req', '-in', csr, '-noout', '-subject']).stdout.trim()).toMatch(/^subject=C ?= ?CH, ST ?= ?Vaud, L ?= ?Lausanne, O ?= ?EPFL, CN ?= ?123456$/);
    expect(openssl(['req', '-in', csr, '-noout', '-text']).stdout).toContain('DNS:localhost, IP Address:127.0.0.1');
  });

  it('says which names a certificate is valid for, warns when it has no subjectAltName, and gives a security-level-2 client\'s verdict', () => {
    const folder = dir();
    const { key, ca } = studentFlow(folder);
    const noSan = path.join(folder, 'nosan.csr');
    makeCsr({ keyFile: key, subject: { cn: 'pmu.example' }, sans: [], out: noSan, force: false });
    const cert = path.join(folder, 'nosan.cert.pem');
    signCsr({ caDir: ca, csrFile: noSan, days: 30, out: cert, force: false });
    const report = verifyCertificate({ certFile: cert, caFile: path.join(ca, CA_CERT), keyFile: key });
    expect(report.ok).toBe(true);
    expect(report.names).toEqual(['pmu.example']);
    expect(report.warnings).toEqual([expect.stringMatching(/^no subjectAltName: current clients .* ignore the CN/)]);
    expect(report.securityLevel2).toBe("accepted by a client at OpenSSL security level 2 (Debian's and Ubuntu's Python, the grader's)");
    const wrongHost = verifyCertificate({ certFile: cert, caFile: path.join(ca, CA_CERT), host: 'tcpip.example' });
    expect(wrongHost.problems).toEqual(['the certificate does not name the host tcpip.example: it is valid for pmu.example']);

    const weakKey = path.join(folder, 'weak_key.pem');
    makeKey({ bits: 1024, out: weakKey, force: false });
    makeCsr({ keyFile: weakKey, subject: { cn: 'localhost' }, sans: ['DNS:localhost'], out: path.join(folder, 'weak.csr'), force: false });
    signCsr({ caDir: ca, csrFile: path.join(folder, 'weak.csr'), days: 30, out: path.join(folder, 'weak.cert.pem'), force: false });
    const weak = verifyCertificate({ certFile: path.join(folder, 'weak.cert.pem'), caFile: path.join(ca, CA_CERT) });
    expect(weak.securityLevel2).toBe("refused by a client at OpenSSL security level 2 (Debian's and Ubuntu's Python, the grader's) for its 1024-bit key (level 2 needs 2048)");
  });

  it('runs as CLI commands with the documented JSON, exit 1 for a bad certificate and 2 for bad input', async () => {
    const folder = dir();
    const key = path.join(folder, '777777_key.pem');
    expect((await runCli(['cert', 'key', '--out', key])).code).toBe(0);
    expect((await runCli(['cert', 'key', '--out', key])).code).toBe(2);
    const csr = await runCli(['cert', 'csr', '--key', key, '--cn', 'localhost', '--country', 'CH', '--san', 'localhost', '--out', path.join(folder, 'r.csr')]);
    expect(csr.code).toBe(0);
    expect((await runCli(['ca', 'init', '--out', path.join(folder, 'ca')])).code).toBe(0);
    expect((await runCli(['ca', 'sign', '--ca-dir', path.join(folder, 'ca'), '--csr', path.join(folder, 'r.csr'), '--out', path.join(folder, 'c.pem')])).code).toBe(0);
    const good = await runCli(['cert', 'verify', '--cert', path.join(folder, 'c.pem'), '--ca', path.join(folder, 'ca', 'cacert.pem'), '--key', key, '--json']);
    expect(good.code).toBe(0);
    const report = JSON.parse(good.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['ok', 'subject', 'issuer', 'serial', 'notBefore', 'notAfter', 'keyMatches', 'problems']));
    expect(report).toMatchObject({ ok: true, keyMatches: true });
    const bad = await runCli(['cert', 'verify', '--cert', path.join(folder, 'c.pem'), '--ca', path.join(folder, 'ca', 'cacert.pem'), '--host', 'example.org']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('problem:    the certificate does not name the host example.org');
    const missing = await runCli(['cert', 'verify', '--cert', path.join(folder, 'nope.pem'), '--ca', path.join(folder, 'ca', 'cacert.pem')]);
    expect(missing.code).toBe(2);
    expect((await runCli(['cert', 'csr', '--key', key, '--cn', 'x', '--country', 'Switzerland', '--out', path.join(folder, 'x.csr')])).code).toBe(2);
    expect(existsSync(path.join(folder, 'x.csr'))).toBe(false);
  });
});
