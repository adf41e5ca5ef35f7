import forge from 'node-forge';
import { isSocklabError, socklabError } from '../errors.js';
import { readPem, writePublic } from './files.js';
import { altName, type SubjectFields, subjectAttributes } from './names.js';

export interface CsrOptions {
  keyFile: string;
  subject: SubjectFields;
  /** Subject alternative names, through the extensionRequest attribute. */
  sans: string[];
  out: string;
  force: boolean;
}

/** A certificate signing request (PKCS#10), SHA-256, as `openssl req -new -key …` makes. */
export function makeCsr(options: CsrOptions): { file: string; subject: string } {
  if (!options.subject.cn) throw socklabError('SOCKLAB_ERR_USAGE', 'a CSR needs a Common Name (--cn)');
  let privateKey: forge.pki.rsa.PrivateKey;
  try {
    privateKey = forge.pki.privateKeyFromPem(readPem(options.keyFile, 'private key')) as forge.pki.rsa.PrivateKey;
  } catch (error) {
    if (isSocklabError(error)) throw error;
    throw socklabError('SOCKLAB_ERR_USAGE', `${options.keyFile} is not an RSA private key in PEM`);
  }
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  csr.setSubject(subjectAttributes(options.subject));
  if (options.sans.length > 0) {
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: options.sans.map(altName) }] }]);
  }
  csr.sign(privateKey, forge.md.sha256.create());
  writePublic(options.out, forge.pki.certificationRequestToPem(csr), options.force);
  return { file: options.out, subject: options.subject.cn };
}
