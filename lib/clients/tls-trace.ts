import { spawn } from 'node:child_process';
import tls from 'node:tls';

export interface TraceOptions {
  host: string;
  port: number;
  servername?: string;
  version?: 'TLSv1.2' | 'TLSv1.3';
  securityLevel: 1 | 2;
}

/** Runs in a child process: OpenSSL's handshake trace goes to that process's standard error. */
const TRACER = `
const tls = require('node:tls');
const [host, port, servername, minVersion, maxVersion, ciphers] = process.argv.slice(1);
const socket = tls.connect({ host, port: Number(port), servername: servername || undefined, minVersion, maxVersion, ciphers, rejectUnauthorized: false, enableTrace: true }, () => socket.end());
socket.on('close', () => process.exit(0));
socket.on('error', () => process.exit(1));
socket.setTimeout(10000, () => process.exit(1));
`;

/**
 * The signature algorithm of the server's handshake signature (Q28): TLS 1.3's CertificateVerify
 * (encrypted on the wire) or TLS 1.2's ServerKeyExchange. Node.js does not expose it, so a second
 * handshake with the same settings is made in a child process with OpenSSL's trace on, which shows
 * the messages as the client decrypts them. It ends with close_notify, as a client that changed its
 * mind would (a reset would count as a failed handshake at the server). Null when it cannot be read.
 */
export function signatureAlgorithm(options: TraceOptions): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        TRACER,
        options.host,
        String(options.port),
        options.servername ?? '',
        options.version ?? 'TLSv1.2',
        options.version ?? 'TLSv1.3',
        `${tls.DEFAULT_CIPHERS}:@SECLEVEL=${options.securityLevel}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let trace = '';
    child.stderr.on('data', (chunk: Buffer) => (trace += chunk.toString()));
    child.on('error', () => resolve(null));
    child.on('close', () => {
      const signed = /(?:CertificateVerify|ServerKeyExchange), Length=\d+[\s\S]*?Signature Algorithm: (\S+) \(0x/.exec(trace);
      resolve(signed?.[1] ?? null);
    });
  });
}
