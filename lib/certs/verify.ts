import net from 'node:net';
import forge from 'node-forge';
import { isSocklabError, socklabError } from '../errors.js';
import { WEAK_KEY_WARNING } from './key.js';
import { expiresSoonWarning, keyModeWarning } from './server-material.js';
import { readPem } from './files.js';
import { altNamesOf, describeName } from './names.js';

export interface VerifyOptions {
  certFile: string;
  /** Without a CA, everything but the chain is checked. */
  caFile?: string;
  keyFile?: string;
  host?: string;
  now?: Date;
  /** Warn when the key file is readable by others (not for a submission's copy, which was mailed anyway). */
  checkKeyMode?: boolean;
}

/** The `cert verify --json` shape of docs/PROTOCOLS.md §Command line, plus warnings that do not make it fail. */
export interface VerifyReport {
  ok: boolean;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  keyMatches: boolean | null;
  /** Signed by the CA, itself a CA; null when no CA was given. */
  chained: boolean | null;
  /** The names clients can reach it by: its DNS and IP subjectAltNames, or its CN when it has none. */
  names: string[];
  /** What a client at OpenSSL security level 2 (Debian's and Ubuntu's Python: the grader's) makes of it. */
  securityLevel2: string;
  problems: string[];
  warnings: string[];
}

const SHA1_WITH_RSA = '1.2.840.113549.1.1.5';

function parseCertificate(file: string, what: string): forge.pki.Certificate {
  try {
    return forge.pki.certificateFromPem(readPem(file, what));
  } catch (error) {
    if (isSocklabError(error)) throw error;
    throw socklabError('SOCKLAB_ERR_USAGE', `${file} is not a PEM certificate with an RSA key`);
  }
}

function subjectAltNames(certificate: forge.pki.Certificate) {
  const extension = certificate.getExtension('subjectAltName') as { altNames?: Array<{ type: number; value?: string; ip?: string }> } | null;
  return altNamesOf(extension ? [{ name: 'subjectAltName', altNames: extension.altNames ?? [] }] : []);
}

/** DNS and IP subjectAltNames; the CN when there are none (RFC 6125 §6.4.4). */
function namesOf(certificate: forge.pki.Certificate): string[] {
  const sans = subjectAltNames(certificate)
    .filter((name) => name.type === 2 || name.type === 7)
    .map((name) => (name.type === 7 ? name.ip! : name.value!));
  if (sans.length > 0) return sans;
  const cn = certificate.subject.getField('CN') as { value?: string } | null;
  return cn?.value ? [cn.value] : [];
}

/** A security-level-2 client refuses RSA keys under 2048 bits and SHA-1 (or weaker) signatures. */
function securityLevel2Verdict(bits: number, sha1: boolean): string {
  const reasons = [...(bits < 2048 ? [`its ${bits}-bit key (level 2 needs 2048)`] : []), ...(sha1 ? ['its SHA-1 signature'] : [])];
  return reasons.length === 0
    ? 'accepted by a client at OpenSSL security level 2 (Debian\'s and Ubuntu\'s Python, the grader\'s)'
    : `refused by a client at OpenSSL security level 2 (Debian's and Ubuntu's Python, the grader's) for ${reasons.join(' and ')}`;
}

function namesHost(certificate: forge.pki.Certificate, host: string): boolean {
  const sans = subjectAltNames(certificate);
  if (net.isIP(host)) return sans.some((name) => name.type === 7 && name.ip === host);
  const matches = (pattern: string) =>
    pattern.toLowerCase() === host.toLowerCase() ||
    (pattern.startsWith('*.') && host.toLowerCase().endsWith(pattern.slice(1).toLowerCase()) && host.split('.').length === pattern.split('.').length);
  const dnsNames = sans.filter((name) => name.type === 2).map((name) => name.value!);
  if (dnsNames.length > 0) return dnsNames.some(matches);
  const cn = certificate.subject.getField('CN') as { value?: string } | null;
  return cn?.value ? matches(cn.value) : false; // RFC 6125 §6.4.4: the CN only when there is no SAN
}

/** Signed by the CA, and the CA really a CA. */
function chainProblems(certificate: forge.pki.Certificate, ca: forge.pki.Certificate): string[] {
  const problems: string[] = [];
  if (!certificate.isIssuer(ca)) { // forge: child.isIssuer(parent)
    problems.push(`not issued by this CA: its issuer is ${describeName(certificate.issuer.attributes)}, the CA is ${describeName(ca.subject.attributes)}`);
  } else {
    let signed = false;
    try {
      signed = ca.verify(certificate);
    } catch {
      signed = false;
    }
    if (!signed) problems.push("the signature does not verify with the CA's key");
  }
  const constraints = ca.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (!constraints?.cA) problems.push('the CA certificate is not a CA (no basicConstraints CA:TRUE)');
  const caUsage = ca.getExtension('keyUsage') as { keyCertSign?: boolean } | null;
  if (caUsage && !caUsage.keyCertSign) problems.push('the CA certificate may not sign certificates (keyUsage without keyCertSign)');
  return problems;
}

/**
 * Checks a certificate the way a TLS client would before the grader connects: signed by the CA,
 * the CA really a CA, valid now, for this key, naming this host; warns about weak keys and SHA-1.
 */
export function verifyCertificate(options: VerifyOptions): VerifyReport {
  const now = options.now ?? new Date();
  const certificate = parseCertificate(options.certFile, 'certificate');
  const ca = options.caFile === undefined ? null : parseCertificate(options.caFile, 'CA certificate');
  const problems: string[] = [];
  const warnings: string[] = [];

  const chain = ca ? chainProblems(certificate, ca) : null;
  problems.push(...(chain ?? []));
  for (const [what, subject] of [
    ['certificate', certificate],
    ...(ca ? [['CA certificate', ca] as const] : []),
  ] as const) {
    if (now < subject.validity.notBefore) problems.push(`the ${what} is not valid before ${subject.validity.notBefore.toISOString()}`);
    if (now > subject.validity.notAfter) problems.push(`the ${what} expired on ${subject.validity.notAfter.toISOString()}`);
  }

  warnings.push(...expiresSoonWarning(certificate.validity.notAfter, now));
  if (options.keyFile && options.checkKeyMode !== false) warnings.push(...keyModeWarning(options.keyFile));

  let keyMatches: boolean | null = null;
  if (options.keyFile) {
    try {
      const key = forge.pki.privateKeyFromPem(readPem(options.keyFile, 'private key')) as forge.pki.rsa.PrivateKey;
      const publicKey = certificate.publicKey as forge.pki.rsa.PublicKey;
      keyMatches = key.n.equals(publicKey.n) && key.e.equals(publicKey.e);
    } catch (error) {
      if (isSocklabError(error)) throw error;
      problems.push(`${options.keyFile} is not an RSA private key in PEM`);
      keyMatches = false;
    }
    if (keyMatches === false && problems.every((problem) => !problem.startsWith(options.keyFile!))) {
      problems.push(`the key ${options.keyFile} does not match the certificate`);
    }
  }
  const names = namesOf(certificate);
  if (options.host && !namesHost(certificate, options.host)) {
    problems.push(`the certificate does not name the host ${options.host}: it is valid for ${names.length > 0 ? names.join(', ') : 'no name at all'}`);
  }
  if (subjectAltNames(certificate).length === 0) {
    warnings.push('no subjectAltName: current clients (Python 3.7 and later, browsers) ignore the CN and match no host name; ask for a SAN in the CSR (socklab cert csr --san DNS:name)');
  }

  const bits = (certificate.publicKey as forge.pki.rsa.PublicKey).n.bitLength();
  const sha1 = certificate.siginfo.algorithmOid === SHA1_WITH_RSA;
  if (bits < 2048) warnings.push(`${bits}-bit key: ${WEAK_KEY_WARNING}`);
  if (sha1) warnings.push('signed with SHA-1, which current clients refuse');

  return {
    ok: problems.length === 0,
    subject: describeName(certificate.subject.attributes),
    issuer: describeName(certificate.issuer.attributes),
    serial: certificate.serialNumber,
    notBefore: certificate.validity.notBefore.toISOString(),
    notAfter: certificate.validity.notAfter.toISOString(),
    keyMatches,
    chained: chain === null ? null : chain.length === 0,
    names,
    securityLevel2: securityLevel2Verdict(bits, sha1),
    problems,
    warnings,
  };
}
