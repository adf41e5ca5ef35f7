import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { socklabError } from '../errors.js';
import { WEAK_KEY_WARNING } from './key.js';

/** A certificate this close to its end is warned about (days). */
export const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ServerMaterialFiles {
  /** The setting each file comes from, named in every problem ("tlsPmu.key"). */
  keySetting: string;
  keyFile: string;
  certSetting: string;
  certFile: string;
  passphraseSetting: string;
  passphrase: string;
}

export interface ServerMaterial {
  key: Buffer;
  cert: Buffer;
  keyBits: number | null;
  subject: string;
  notAfter: Date;
  /** What does not stop the server but must be fixed: dates, key size, file mode. */
  warnings: string[];
}

/** A warning when a valid certificate ends within EXPIRY_WARNING_DAYS. */
export function expiresSoonWarning(notAfter: Date, now: Date): string[] {
  const daysLeft = (notAfter.getTime() - now.getTime()) / DAY_MS;
  return daysLeft >= 0 && daysLeft < EXPIRY_WARNING_DAYS ? [`the certificate expires in ${Math.floor(daysLeft)} days, on ${notAfter.toISOString()}`] : [];
}

/** Warnings about a certificate's dates: expired, not yet valid, or ending soon. */
export function validityWarnings(notBefore: Date, notAfter: Date, now: Date): string[] {
  if (now < notBefore) return [`the certificate is not valid before ${notBefore.toISOString()}`];
  if (now > notAfter) return [`the certificate expired on ${notAfter.toISOString()}`];
  return expiresSoonWarning(notAfter, now);
}

/** A warning when a private key file can be read by its group or by others. */
export function keyModeWarning(keyFile: string): string[] {
  let mode: number;
  try {
    mode = statSync(keyFile).mode & 0o777;
  } catch {
    return []; // reading it will say what is wrong
  }
  return (mode & 0o077) !== 0 ? [`the key file ${keyFile} is readable by ${mode & 0o007 ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${keyFile}`] : [];
}

function read(setting: string, file: string, walkthrough: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw socklabError('SOCKLAB_ERR_CONFIG', `${setting} ${file} cannot be read (${code}): ${walkthrough}`);
  }
  if (bytes.length === 0) throw socklabError('SOCKLAB_ERR_CONFIG', `${setting} ${file} is empty: ${walkthrough}`);
  return bytes;
}

function parseKey(files: ServerMaterialFiles, key: Buffer): KeyObject {
  const problem = (words: string) => socklabError('SOCKLAB_ERR_CONFIG', `${files.keySetting} ${files.keyFile} ${words}`);
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString('latin1'));
  if (encrypted && !files.passphrase) throw problem(`is encrypted: give its passphrase in ${files.passphraseSetting}`);
  try {
    return createPrivateKey({ key, passphrase: files.passphrase || undefined });
  } catch {
    if (encrypted) throw problem(`cannot be decrypted: ${files.passphraseSetting} is not its passphrase`);
    throw problem('is not a PEM private key (expected a file starting with "-----BEGIN PRIVATE KEY-----" or "-----BEGIN RSA PRIVATE KEY-----")');
  }
}

function parseCertificate(files: ServerMaterialFiles, cert: Buffer): X509Certificate {
  try {
    return new X509Certificate(cert);
  } catch {
    throw socklabError('SOCKLAB_ERR_CONFIG', `${files.certSetting} ${files.certFile} is not a PEM certificate (expected a file starting with "-----BEGIN CERTIFICATE-----")`);
  }
}

/**
 * Reads and checks a TLS server's key and certificate before any TLS code sees them, so that every
 * problem is one line in words that names the setting and the file (exit 2), never OpenSSL's text:
 * unreadable, empty, not PEM, encrypted without (or with the wrong) passphrase, or not a pair.
 */
export function loadServerMaterial(files: ServerMaterialFiles, walkthrough: string, now = new Date()): ServerMaterial {
  const key = read(files.keySetting, files.keyFile, walkthrough);
  const cert = read(files.certSetting, files.certFile, walkthrough);
  const keyObject = parseKey(files, key);
  const certificate = parseCertificate(files, cert);
  if (!certificate.checkPrivateKey(keyObject)) {
    throw socklabError(
      'SOCKLAB_ERR_CONFIG',
      `${files.keySetting} ${files.keyFile} does not match the certificate ${files.certSetting} ${files.certFile}: they are not a pair (the certificate was signed for another key)`,
    );
  }
  const keyBits = keyObject.asymmetricKeyDetails?.modulusLength ?? null;
  const warnings = [
    ...validityWarnings(new Date(certificate.validFrom), new Date(certificate.validTo), now),
    ...(keyBits !== null && keyBits < 2048 ? [`${keyBits}-bit key: ${WEAK_KEY_WARNING}`] : []),
    ...keyModeWarning(files.keyFile),
  ];
  return { key, cert, keyBits, subject: certificate.subject.replace(/\n/g, ', '), notAfter: new Date(certificate.validTo), warnings };
}
