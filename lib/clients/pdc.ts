import net from 'node:net';
import tls from 'node:tls';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { socklabError } from '../errors.js';
import { FLOOD_COMMAND } from '../pmu/command.js';
import { PmuMessageSplitter, type StreamItem } from '../pmu/splitter.js';
import { dataSegments, dataSegmentsIn } from '../tcp-info.js';
import { connectionError } from './network-errors.js';
import { readSocket } from './recv.js';

export interface PdcOptions {
  host: string;
  port: number;
  /** Sent as is, without a newline, as the handout's client does. */
  command: string;
  /** Give up when the server sends nothing for this long. */
  timeoutMs: number;
  /** Read at most this many bytes per read, as recv(N) does (Q16); else one read per 'data' event. */
  recvSize?: number;
  /** Each CMD_short message as soon as it is complete, and anything that is not a message. */
  onItem?: (item: StreamItem) => void;
  /** For CMD_floodme: write the text here as it arrives (with back-pressure) instead of collecting it. */
  floodSink?: Writable;
  /** Speak TLS (handout part 6): the CA to trust, the name to check, or no check at all. */
  tls?: { ca?: Buffer; servername?: string; rejectUnauthorized: boolean };
}

/** What the TLS handshake settled (Q26–Q29). */
export interface TlsSession {
  version: string | null;
  cipher: string | null;
  /** The server certificate's subject. */
  subject: string | null;
  authorized: boolean;
  authorizationError: string | null;
  /** Segments with payload each way by the end of the handshake, as the client saw it (Q26). */
  handshakeSegments: { fromServer: number | null; toServer: number | null };
}

/** SPEC's `pdc` JSON shape, plus what did not parse as a message. */
export interface PdcResult {
  command: string;
  transport: 'tcp' | 'tls';
  messages: string[];
  reads: number;
  bytes: number;
  segments: number | null;
  durationMs: number;
  unexpected: string[];
  /** Why `segments` is null. */
  segmentsNote?: string;
  tls?: TlsSession;
}

function describeSession(socket: tls.TLSSocket): TlsSession {
  const subject = socket.getPeerCertificate().subject as Record<string, string> | undefined;
  const handshake = dataSegments(socket);
  return {
    handshakeSegments: { fromServer: handshake.in, toServer: handshake.out },
    version: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? null,
    subject: subject ? Object.entries(subject).map(([key, value]) => `${key}=${value}`).join(', ') : null,
    authorized: socket.authorized,
    authorizationError: socket.authorizationError ? String(socket.authorizationError) : null,
  };
}

const ERROR_REPLY = Buffer.from('ERROR: ');

/**
 * The PDC of the handout's part 2: sends one command to the PMU over TCP (IPv4 by default) and
 * reads until the server closes, counting reads, bytes and the segments with payload the kernel
 * received (Q10, Q11, Q14, Q16). An answer that starts with "ERROR: " fails the exchange.
 */
export function runPdc(options: PdcOptions): Promise<PdcResult> {
  const flood = options.command === FLOOD_COMMAND;
  const splitter = new PmuMessageSplitter();
  const decoder = new StringDecoder('utf8');
  const messages: string[] = [];
  const unexpected: string[] = [];
  const held: Buffer[] = [];
  let reads = 0;
  let bytes = 0;
  // Bytes are held until the first ones tell an answer from an ERROR line; then they flow.
  let mode: 'undecided' | 'answer' | 'error' = 'undecided';
  const startedAt = performance.now();

  const take = (items: StreamItem[]): void => {
    for (const item of items) {
      (item.kind === 'message' ? messages : unexpected).push(item.text);
      options.onItem?.(item);
    }
  };

  return new Promise<PdcResult>((resolve, reject) => {
    let session: TlsSession | undefined;
    // allowHalfOpen: after the server's FIN our side stays open, so TCP_INFO can still be read.
    const socket: net.Socket = options.tls
      ? tls.connect(
          {
            host: options.host,
            port: options.port,
            ca: options.tls.ca,
            servername: net.isIP(options.tls.servername ?? options.host) ? undefined : (options.tls.servername ?? options.host),
            checkServerIdentity: options.tls.servername ? (_host, cert) => tls.checkServerIdentity(options.tls!.servername!, cert) : undefined,
            rejectUnauthorized: options.tls.rejectUnauthorized,
            minVersion: 'TLSv1.2',
          },
          () => {
            session = describeSession(socket as tls.TLSSocket);
            socket.write(options.command);
          },
        )
      : net.connect({ host: options.host, port: options.port, family: 4, allowHalfOpen: true }, () => {
          socket.write(options.command);
        });
    let failed = false;
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(options.timeoutMs, () =>
      fail(socklabError('SOCKLAB_ERR_TIMEOUT', `no data from ${options.host}:${options.port} for ${options.timeoutMs / 1000} s`)),
    );
    socket.on('error', (error: NodeJS.ErrnoException) => fail(connectionError(error, options.host, options.port)));

    const deliver = (chunk: Buffer): void => {
      if (!flood) return take(splitter.push(decoder.write(chunk)));
      if (!options.floodSink) return void held.push(chunk);
      if (!options.floodSink.write(chunk)) {
        reader.pause();
        options.floodSink.once('drain', () => reader.resume());
      }
    };
    const decide = (): void => {
      const head = Buffer.concat(held);
      held.length = 0;
      mode = head.subarray(0, ERROR_REPLY.length).equals(ERROR_REPLY) ? 'error' : 'answer';
      if (mode === 'error') held.push(head);
      else if (head.length > 0) deliver(head);
    };
    const reader = readSocket(socket, options.recvSize, (chunk) => {
      reads += 1;
      bytes += chunk.length;
      if (mode === 'answer') return deliver(chunk);
      held.push(chunk);
      if (mode === 'undecided' && bytes >= ERROR_REPLY.length) decide();
    });

    socket.on('end', () => {
      if (options.tls && !session) {
        return fail(socklabError('SOCKLAB_ERR_NETWORK', `${options.host}:${options.port} closed the connection before the TLS handshake completed: no TLS session was set up`));
      }
      const { segments, note } = dataSegmentsIn(socket);
      socket.end();
      if (mode === 'undecided') decide();
      if (mode === 'error') {
        return fail(socklabError('SOCKLAB_ERR_PROTOCOL', `the server answered: ${Buffer.concat(held).toString('utf8').trim()}`));
      }
      if (flood && !options.floodSink) messages.push(Buffer.concat(held).toString('utf8'));
      if (!flood) take([...splitter.push(decoder.end()), ...splitter.end()]);
      resolve({
        command: options.command,
        transport: options.tls ? 'tls' : 'tcp',
        messages,
        reads,
        bytes,
        segments,
        durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
        unexpected,
        ...(note ? { segmentsNote: note } : {}),
        ...(session ? { tls: session } : {}),
      });
    });
  });
}
