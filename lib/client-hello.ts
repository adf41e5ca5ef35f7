/**
 * How far a connection's first bytes are into a TLS ClientHello: one handshake record (RFC 8446
 * §5.1: content type 22, legacy version 3.x, a 2-byte length) whose first message is a ClientHello
 * (§4: handshake type 1). `socklab tls` reads its own client's ClientHello with it (the suites
 * a capture would show).
 */
export type ClientHelloProgress = 'incomplete' | 'complete' | 'not-tls';

const HANDSHAKE_RECORD = 22;
const CLIENT_HELLO = 1;
/** A record's plaintext is at most 2^14 bytes (RFC 8446 §5.1). */
const MAX_RECORD_BYTES = 16_384;

export function clientHelloProgress(bytes: Buffer): ClientHelloProgress {
  if (bytes.length >= 1 && bytes[0] !== HANDSHAKE_RECORD) return 'not-tls';
  if (bytes.length >= 2 && bytes[1] !== 3) return 'not-tls';
  if (bytes.length < 5) return 'incomplete';
  const length = bytes.readUInt16BE(3);
  if (length === 0 || length > MAX_RECORD_BYTES) return 'not-tls';
  if (bytes.length >= 6 && bytes[5] !== CLIENT_HELLO) return 'not-tls';
  return bytes.length >= 5 + length ? 'complete' : 'incomplete';
}

/**
 * The cipher suites a whole ClientHello record offers (RFC 8446 §4.1.2: after the handshake
 * header, legacy_version, random and legacy_session_id comes cipher_suites, 2 bytes each), less
 * the TLS_EMPTY_RENEGOTIATION_INFO_SCSV signalling value, which is no suite.
 */
export function offeredSuites(record: Buffer): number[] {
  let at = 5 + 4 + 2 + 32; // record header, handshake header, legacy_version, random
  at += 1 + record[at]!; // legacy_session_id
  const length = record.readUInt16BE(at);
  const suites: number[] = [];
  for (let offset = at + 2; offset < at + 2 + length; offset += 2) suites.push(record.readUInt16BE(offset));
  return suites.filter((suite) => suite !== 0x00ff);
}
