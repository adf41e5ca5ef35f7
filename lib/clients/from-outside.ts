import net from 'node:net';
import tls from 'node:tls';
import { formatHostPort, type MachineAddress } from '../address.js';
import { certificateNames } from '../certs/host-names.js';
import { PmuMessageSplitter } from '../pmu/splitter.js';

export interface FromOutsideOptions {
  /** This machine's addresses beyond loopback: the way a remote grader's packets arrive. */
  addresses: readonly MachineAddress[];
  port: number;
  /** The CA the grader trusts (the course's cacert.pem). */
  ca: Buffer;
  /** The name the grader connects to, which the certificate must carry. */
  name: string;
  command: string;
  timeoutMs: number;
}

export interface FromOutsideResult {
  target: string;
  family: MachineAddress['family'];
  ok: boolean;
  /** What a remote grader sees, in a sentence. */
  detail: string;
  tlsVersion: string | null;
  messages: number;
}

const EXPOSE = 'expose it with `socklab service tls-pmu --expose` (pm2: `npm stop`, then `npm start -- --expose tls-pmu`)';

/** The reason a grader's connection failed, in its words and with the fix. */
function explain(error: NodeJS.ErrnoException, options: FromOutsideOptions, peerCertificate: Buffer | null): string {
  switch (error.code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const names = peerCertificate ? certificateNames(peerCertificate) : null;
      const listed = names ? ` (it names ${[...names.altNames, ...(names.commonName ? [`CN ${names.commonName}`] : [])].join(', ') || 'nothing'})` : '';
      return `the certificate is not valid for "${options.name}"${listed}: a grader that connects to ${options.name} refuses it; ask for a certificate with \`socklab cert csr --san DNS:${options.name}\``;
    }
    case 'ECONNREFUSED':
      return `nothing listens on port ${options.port} at this address: the TLS PMU is not exposed; ${EXPOSE}`;
    case 'ETIMEDOUT':
      return `no answer within ${options.timeoutMs / 1000} s: a firewall may drop what arrives on port ${options.port}`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `the certificate is not signed by the CA given (${error.code}): a grader trusting that CA refuses it`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `the certificate is outside its dates (${error.code}): a grader refuses it`;
    default:
      return `the exchange failed: ${error.message}`;
  }
}

/** One grader-like exchange through `address`: verify as the grader does, send the command, count the messages. */
function tryAddress(entry: MachineAddress, options: FromOutsideOptions): Promise<FromOutsideResult> {
  const target = `tls://${formatHostPort(entry.address, options.port)}`;
  return new Promise((resolve) => {
    let settled = false;
    let peerCertificate: Buffer | null = null;
    const splitter = new PmuMessageSplitter();
    let messages = 0;
    const finish = (ok: boolean, detail: string, tlsVersion: string | null): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ target, family: entry.family, ok, detail, tlsVersion, messages });
    };
    const socket = tls.connect({
      host: entry.address,
      port: options.port,
      ca: options.ca,
      servername: net.isIP(options.name) === 0 ? options.name : undefined,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      // The name the grader uses, not the address this check goes through.
      checkServerIdentity: (_host, certificate) => {
        peerCertificate = certificate.raw ? Buffer.from(`-----BEGIN CERTIFICATE-----\n${certificate.raw.toString('base64')}\n-----END CERTIFICATE-----\n`) : null;
        return tls.checkServerIdentity(options.name, certificate);
      },
    });
    socket.setTimeout(options.timeoutMs, () => finish(false, explain(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }), options, null), null));
    socket.once('secureConnect', () => socket.write(options.command)); // as the grader: the command, then read until the server closes
    socket.on('data', (chunk: Buffer) => {
      messages += splitter.push(chunk.toString('utf8')).filter((item) => item.kind === 'message').length;
    });
    socket.once('end', () => {
      messages += splitter.end().filter((item) => item.kind === 'message').length;
      const version = socket.getProtocol();
      if (messages === 0) return finish(false, `${version ?? 'TLS'} set up, but the server sent no PMU message for ${options.command}`, version);
      finish(true, `certificate valid for "${options.name}" and signed by the CA; ${version} ${socket.getCipher()?.name ?? ''}; ${messages} messages: a grader that reaches this address sees the same`, version);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish(false, explain(error, options, peerCertificate), null));
  });
}

/**
 * `socklab tls --from-outside`: the exchange a remote grader makes, through each address of this
 * machine beyond loopback (packets to one's own address never leave the machine, but they reach
 * the listening socket as a remote grader's would: an unexposed server, bound to 127.0.0.1, refuses them).
 */
export async function checkFromOutside(options: FromOutsideOptions): Promise<FromOutsideResult[]> {
  const results: FromOutsideResult[] = [];
  for (const entry of options.addresses) results.push(await tryAddress(entry, options));
  return results;
}
