import tls from 'node:tls';
import { offeredSuites } from '../client-hello.js';
import { catchClientHello } from './hello-catcher.js';
import { dataSegments } from '../tcp-info.js';

/** The TLS side of the PDC (handout part 6): the client's settings, and what its handshake settled (Q26–Q29). */

export interface TlsClientOptions {
  ca?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
  /**
   * OpenSSL security level: 2 as Debian's and Ubuntu's Python (the grader's) use, which refuses
   * a 1024-bit server key; 1 accepts it.
   */
  securityLevel: 1 | 2;
  /** Only this version (Q26–Q29 are easier to see in TLS 1.2, where more of the handshake is in clear). */
  version?: 'TLSv1.2' | 'TLSv1.3';
  /** Each NSS key log line (SSLKEYLOGFILE format), for Wireshark or tshark to decrypt a capture. */
  onKeylog?: (line: Buffer) => void;
}

/** What the TLS handshake settled (Q26–Q29). */
export interface TlsSession {
  version: string | null;
  /** The suite agreed, OpenSSL's name and the IANA one. */
  cipher: string | null;
  cipherStandardName: string | null;
  /** How many suites this client offered in its ClientHello. */
  suitesOffered: number | null;
  /** The server's handshake signature, e.g. rsa_pss_rsae_sha256 (see signatureAlgorithm()). */
  signatureAlgorithm: string | null;
  /** The key exchange's group, e.g. X25519 (ECDHE). */
  keyExchange: string | null;
  /** The record protection: the symmetric cipher, and AEAD (no separate MAC) or the MAC. */
  recordCipher: string | null;
  recordIntegrity: string | null;
  /** The server certificate's subject, its key type and size. */
  subject: string | null;
  serverKey: string | null;
  authorized: boolean;
  authorizationError: string | null;
  /** Segments with payload each way from the connection's start to the end of the handshake, client Finished included (Q26). */
  handshakeSegments: { fromServer: number | null; toServer: number | null };
}

/** "AES-256-GCM" and "AEAD" from a suite name (TLS 1.3 and TLS 1.2, OpenSSL's or IANA's). */
function recordProtection(standardName: string): { cipher: string; integrity: string } | null {
  const match = /(AES_(128|256)_(GCM|CCM)|CHACHA20_POLY1305|AES_(128|256)_CBC)(?:_(SHA\d*))?$/.exec(standardName.replace(/^TLS_(ECDHE_\w+_WITH_)?/, ''));
  if (!match) return null;
  if (match[1] === 'CHACHA20_POLY1305') return { cipher: 'ChaCha20-Poly1305', integrity: 'AEAD (Poly1305)' };
  if (match[3]) return { cipher: `AES-${match[2]}-${match[3]}`, integrity: `AEAD (${match[3]})` };
  return { cipher: `AES-${match[4]}-CBC`, integrity: `HMAC-${match[5]}` };
}


export function describeSession(socket: tls.TLSSocket): TlsSession {
  const subject = socket.getPeerCertificate().subject as Record<string, string> | undefined;
  const handshake = dataSegments(socket);
  const cipher = socket.getCipher();
  const protection = cipher ? recordProtection(cipher.standardName) : null;
  const ephemeral = socket.getEphemeralKeyInfo() as { type?: string; name?: string } | null;
  const serverKey = socket.getPeerX509Certificate()?.publicKey;
  const keyDetails = serverKey?.asymmetricKeyDetails;
  return {
    handshakeSegments: { fromServer: handshake.in, toServer: handshake.out },
    version: socket.getProtocol(),
    cipher: cipher?.name ?? null,
    cipherStandardName: cipher?.standardName ?? null,
    suitesOffered: null, // counted apart: see suitesOffered()
    signatureAlgorithm: null, // read apart: see signatureAlgorithm()
    keyExchange: ephemeral?.name ? `${ephemeral.type === 'ECDH' ? 'ECDHE' : ephemeral.type} ${ephemeral.name}` : null,
    recordCipher: protection?.cipher ?? null,
    recordIntegrity: protection?.integrity ?? null,
    subject: subject ? Object.entries(subject).map(([key, value]) => `${key}=${value}`).join(', ') : null,
    serverKey: serverKey ? `${serverKey.asymmetricKeyType?.toUpperCase()} ${keyDetails?.modulusLength ?? keyDetails?.namedCurve ?? ''}`.trim() : null,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
  };
}

/** The suites a client with these settings offers (Node does not list a context's suites). */
export async function suitesOffered(options: Pick<TlsClientOptions, 'securityLevel' | 'version'>): Promise<number> {
  const hello = await catchClientHello((port) => {
    const client = tls.connect({ host: '127.0.0.1', port, ...tlsSettings(options) });
    client.on('error', () => undefined);
  });
  return offeredSuites(hello).length;
}

/** The TLS settings a client with these options connects with. */
export function tlsSettings(options: Pick<TlsClientOptions, 'securityLevel' | 'version'>): tls.ConnectionOptions {
  return {
    ciphers: `${tls.DEFAULT_CIPHERS}:@SECLEVEL=${options.securityLevel}`,
    minVersion: options.version ?? 'TLSv1.2',
    maxVersion: options.version ?? 'TLSv1.3',
  };
}

