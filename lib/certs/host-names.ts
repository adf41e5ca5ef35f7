import { X509Certificate } from 'node:crypto';
import net from 'node:net';

export interface CertificateNames {
  /** "DNS:pmu.example", "IP Address:192.0.2.1", as OpenSSL prints them. */
  altNames: string[];
  commonName: string | null;
}

export function certificateNames(certPem: Buffer | string): CertificateNames {
  const certificate = new X509Certificate(certPem);
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1] ?? null;
  return { altNames: certificate.subjectAltName?.split(', ') ?? [], commonName };
}

/**
 * Whether a client that checks the name, as Python's ssl does, accepts `certPem` for `name` (RFC
 * 6125: the SAN when there is one; a name is matched against DNS entries, an address against IP ones).
 */
export function certificateValidFor(certPem: Buffer | string, name: string): boolean {
  const certificate = new X509Certificate(certPem);
  return (net.isIP(name) !== 0 ? certificate.checkIP(name) : certificate.checkHost(name, { subject: 'default' })) !== undefined;
}
