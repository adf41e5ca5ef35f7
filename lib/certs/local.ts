import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CA_CERT, initCa, MAX_SERVER_DAYS, signCsr } from './ca.js';
import { makeCsr } from './csr.js';
import { makeKey } from './key.js';

export interface LocalCertificateFiles {
  keyFile: string;
  certFile: string;
  caDir: string;
}

/**
 * For the local profile (`npm start`): when the TLS PMU's key or certificate is missing, makes a
 * local CA (once) and a server key and certificate it signs, for localhost, 127.0.0.1 and ::1 —
 * the same flow as a student's key, CSR and the course CA's signature. Returns what it made.
 */
export function ensureLocalServerCertificate(files: LocalCertificateFiles): string[] {
  if (existsSync(files.keyFile) && existsSync(files.certFile)) return [];
  const made: string[] = [];
  if (!existsSync(path.join(files.caDir, CA_CERT))) {
    made.push(initCa({ dir: files.caDir, cn: 'socklab local CA', days: 3650, force: false }).cert);
  }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-csr-'));
  try {
    const csr = path.join(scratch, 'server.csr');
    made.push(makeKey({ bits: 2048, out: files.keyFile, force: true }).file);
    makeCsr({ keyFile: files.keyFile, subject: { org: 'socklab', cn: 'localhost' }, sans: ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'], out: csr, force: true });
    made.push(signCsr({ caDir: files.caDir, csrFile: csr, days: MAX_SERVER_DAYS, out: files.certFile, force: true }).file);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return made;
}
