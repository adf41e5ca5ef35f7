/**
 * How far a connection's first bytes are into a TLS ClientHello: one handshake record (RFC 8446
 * §5.1: content type 22, legacy version 3.x, a 2-byte length) whose first message is a ClientHello
 * (§4: handshake type 1). The server hands a connection to TLS only once the record is whole, so
 * that a peer that stops, or closes, half-way costs nothing past the hello timeout.
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
