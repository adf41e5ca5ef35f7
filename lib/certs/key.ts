import forge from 'node-forge';
import { writeSecret } from './files.js';

export interface KeyOptions {
  bits: number;
  out: string;
  force: boolean;
}

export interface KeyResult {
  file: string;
  bits: number;
  warnings: string[];
}

export const WEAK_KEY_WARNING =
  'a 1024-bit key (the handout\'s `openssl genrsa … 1024`) is refused by clients at OpenSSL security level 2, the default on Debian and Ubuntu; use 2048 unless the course asks for 1024';

/**
 * An RSA private key, PEM (PKCS#1, as `openssl genrsa` writes). node-forge takes Node's native
 * key generation when it runs on Node (no pure-JavaScript prime search): well under a second
 * for 2048 bits.
 */
export function makeKey(options: KeyOptions): KeyResult {
  const { privateKey } = forge.pki.rsa.generateKeyPair({ bits: options.bits, e: 0x10001 });
  writeSecret(options.out, forge.pki.privateKeyToPem(privateKey), options.force);
  return { file: options.out, bits: options.bits, warnings: options.bits < 2048 ? [WEAK_KEY_WARNING] : [] };
}
