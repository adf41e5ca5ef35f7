import { randomBytes } from 'node:crypto';
import path from 'node:path';
import forge from 'node-forge';
import { isSocklabError, socklabError } from '../errors.js';
import { readPem, writePublic, writeSecret } from './files.js';
import { altNamesOf, describeName } from './names.js';

/** File names inside a CA folder: `cacert.pem` as the course's CA calls its certificate. */
export const CA_CERT = 'cacert.pem';
export const CA_KEY = 'cakey.pem';

/** A positive serial of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, non-negative). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

/**
 * Longest validity of a server certificate, in days: the CA/Browser Forum's 398-day limit, which
 * testssl and browsers hold certificates to (the one-minute backdating included).
 */
export const MAX_SERVER_DAYS = 397;

function validity(certificate: forge.pki.Certificate, days: number): void {
  const now = new Date();
  certificate.validity.notBefore = new Date(now.getTime() - 60 * 1000); // tolerate a clock a little behind, no more
  certificate.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
}

export interface CaOptions {
  dir: string;
  cn: string;
  days: number;
  force: boolean;
}

/** A local CA like the course's: a self-signed RSA-2048 certificate (`cacert.pem`) and its key (0600). */
export function initCa(options: CaOptions): { cert: string; key: string; subject: string } {
  const { privateKey, publicKey } = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  certificate.serialNumber = randomSerial();
  validity(certificate, options.days);
  const subject = [{ shortName: 'O', value: 'socklab' }, { shortName: 'CN', value: options.cn }];
  certificate.setSubject(subject);
  certificate.setIssuer(subject);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(privateKey, forge.md.sha256.create());
  const cert = path.join(options.dir, CA_CERT);
  const key = path.join(options.dir, CA_KEY);
  writeSecret(key, forge.pki.privateKeyToPem(privateKey), options.force);
  writePublic(cert, forge.pki.certificateToPem(certificate), options.force);
  return { cert, key, subject: describeName(subject) };
}

export interface SignOptions {
  caDir: string;
  csrFile: string;
  days: number;
  out: string;
  force: boolean;
}

/**
 * Signs a CSR as the course's CA does for the handout's part 6: the CSR's subject and SANs, a
 * random serial, serverAuth, SHA-256.
 */
export function signCsr(options: SignOptions): { file: string; subject: string; serial: string } {
  const caCert = forge.pki.certificateFromPem(readPem(path.join(options.caDir, CA_CERT), 'CA certificate'));
  const caKey = forge.pki.privateKeyFromPem(readPem(path.join(options.caDir, CA_KEY), 'CA key'));
  let csr: ReturnType<typeof forge.pki.certificationRequestFromPem>;
  try {
    csr = forge.pki.certificationRequestFromPem(readPem(options.csrFile, 'CSR'));
  } catch (error) {
    if (isSocklabError(error)) throw error;
    throw socklabError('SOCKLAB_ERR_USAGE', `${options.csrFile} is not a PEM certificate signing request with an RSA key`);
  }
  if (!csr.verify()) throw socklabError('SOCKLAB_ERR_USAGE', `the signature of ${options.csrFile} does not verify: it was not made with its own key`);
  const requested = (csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: Array<{ name?: string; altNames?: [] }> } | null)?.extensions;
  const sans = altNamesOf(requested);

  const certificate = forge.pki.createCertificate();
  certificate.publicKey = csr.publicKey!;
  certificate.serialNumber = randomSerial();
  validity(certificate, options.days);
  certificate.setSubject(csr.subject.attributes);
  certificate.setIssuer(caCert.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    ...(sans.length > 0 ? [{ name: 'subjectAltName', altNames: sans }] : []),
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  certificate.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  writePublic(options.out, forge.pki.certificateToPem(certificate), options.force);
  return { file: options.out, subject: describeName(csr.subject.attributes), serial: certificate.serialNumber };
}
