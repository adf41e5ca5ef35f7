import net from 'node:net';
import tls from 'node:tls';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { socklabError } from '../errors.js';
import { FLOOD_COMMAND } from '../pmu/command.js';
import { PmuMessageSplitter, type StreamItem } from '../pmu/splitter.js';
import { dataSegmentsIn } from '../tcp-info.js';
import { connectionError } from './network-errors.js';
import { readSocket } from './recv.js';
import { signatureAlgorithm } from './tls-trace.js';

import { describeSession, suitesOffered, type TlsClientOptions, type TlsSession, tlsSettings } from './tls-session.js';

export type { TlsClientOptions, TlsSession } from './tls-session.js';

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
  /** Each read as it happens, with its size (the notebook draws the flood's reads against its segments). */
  onRead?: (bytes: number) => void;
  /** For CMD_floodme: write the text here as it arrives (with back-pressure) instead of collecting it. */
  floodSink?: Writable;
  /** Speak TLS (handout part 6): the CA to trust, the name to check, or no check at all. */
  tls?: TlsClientOptions;
}

/** The `pdc` JSON shape of docs/PROTOCOLS.md §Command line, plus what did not parse as a message. */
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
  /** This side's port, to find the connection in a capture. */
  localPort?: number;
}

const ERROR_REPLY = Buffer.from('ERROR: ');

/**
 * What the server sends, taken apart as it comes: held until its first bytes tell an
 * "ERROR: …" line from an answer, then split into messages (CMD_short) or passed on whole
 * (the flood, streamed to a sink with back-pressure, or collected).
 */
class PmuAnswer {
  readonly messages: string[] = [];
  readonly unexpected: string[] = [];
  private readonly splitter = new PmuMessageSplitter();
  private readonly decoder = new StringDecoder('utf8');
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  private mode: 'undecided' | 'answer' | 'error' = 'undecided';

  constructor(
    private readonly flood: boolean,
    private readonly options: Pick<PdcOptions, 'onItem' | 'floodSink'>,
    /** Pauses reading while the flood's sink is full. */
    private readonly backPressure: (paused: boolean) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.mode === 'answer') return this.deliver(chunk);
    this.hold(chunk);
    if (this.mode === 'undecided' && this.heldBytes >= ERROR_REPLY.length) this.decide();
  }

  /** At the server's close: the ERROR line it answered, or null once the answer is complete. */
  end(): string | null {
    if (this.mode === 'undecided') this.decide();
    if (this.mode === 'error') return Buffer.concat(this.held).toString('utf8').trim();
    if (this.flood && !this.options.floodSink) this.messages.push(Buffer.concat(this.held).toString('utf8'));
    if (!this.flood) this.take([...this.splitter.push(this.decoder.end()), ...this.splitter.end()]);
    return null;
  }

  private hold(chunk: Buffer): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
  }

  private decide(): void {
    const head = Buffer.concat(this.held.splice(0));
    this.heldBytes = 0;
    this.mode = head.subarray(0, ERROR_REPLY.length).equals(ERROR_REPLY) ? 'error' : 'answer';
    if (this.mode === 'error') this.hold(head);
    else if (head.length > 0) this.deliver(head);
  }

  private deliver(chunk: Buffer): void {
    if (!this.flood) return this.take(this.splitter.push(this.decoder.write(chunk)));
    const sink = this.options.floodSink;
    if (!sink) return this.hold(chunk);
    if (!sink.write(chunk)) {
      this.backPressure(true);
      sink.once('drain', () => this.backPressure(false));
    }
  }

  private take(items: StreamItem[]): void {
    for (const item of items) {
      (item.kind === 'message' ? this.messages : this.unexpected).push(item.text);
      this.options.onItem?.(item);
    }
  }
}

/** Connects over TCP (IPv4, as the handout's client) or TLS; `onReady` once the command can be sent. */
function connect(options: PdcOptions, onReady: (session?: TlsSession) => void): net.Socket {
  if (!options.tls) {
    // allowHalfOpen: after the server's FIN our side stays open, so TCP_INFO can still be read.
    return net.connect({ host: options.host, port: options.port, family: 4, allowHalfOpen: true }, () => onReady());
  }
  const settings = options.tls;
  const { ca, servername, rejectUnauthorized } = settings;
  const socket: tls.TLSSocket = tls.connect(
    {
      host: options.host,
      port: options.port,
      ca,
      servername: net.isIP(servername ?? options.host) ? undefined : (servername ?? options.host),
      checkServerIdentity: servername ? (_host, cert) => tls.checkServerIdentity(servername, cert) : undefined,
      rejectUnauthorized,
      ...tlsSettings(settings),
    },
    // The client's Finished leaves as the handshake completes: TCP_INFO counts it a turn later.
    () => setImmediate(() => onReady(describeSession(socket))),
  );
  if (settings.onKeylog) socket.on('keylog', settings.onKeylog);
  return socket;
}

/**
 * The PDC of the handout's part 2: sends one command to the PMU over TCP (IPv4 by default) and
 * reads until the server closes, counting reads, bytes and the segments with payload the kernel
 * received (Q10, Q11, Q14, Q16). An answer that starts with "ERROR: " fails the exchange.
 */
export async function runPdc(options: PdcOptions): Promise<PdcResult> {
  const offered = options.tls ? suitesOffered(options.tls) : null;
  const result = await exchange(options);
  if (result.tls && offered && options.tls) {
    result.tls.suitesOffered = await offered;
    // After the exchange, so that its own connection is not counted in the exchange's.
    result.tls.signatureAlgorithm = await signatureAlgorithm({ host: options.host, port: options.port, servername: options.tls.servername, version: options.tls.version, securityLevel: options.tls.securityLevel });
  }
  return result;
}

function exchange(options: PdcOptions): Promise<PdcResult> {
  const startedAt = performance.now();
  return new Promise<PdcResult>((resolve, reject) => {
    let session: TlsSession | undefined;
    let reads = 0;
    let bytes = 0;
    const socket = connect(options, (described) => {
      session = described;
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

    const answer = new PmuAnswer(options.command === FLOOD_COMMAND, options, (paused) => (paused ? reader.pause() : reader.resume()));
    const reader = readSocket(socket, options.recvSize, (chunk) => {
      reads += 1;
      bytes += chunk.length;
      options.onRead?.(chunk.length);
      answer.push(chunk);
    });

    socket.on('end', () => {
      if (options.tls && !session) {
        return fail(socklabError('SOCKLAB_ERR_NETWORK', `${options.host}:${options.port} closed the connection before the TLS handshake completed: no TLS session was set up`));
      }
      const { segments, note } = dataSegmentsIn(socket);
      socket.end();
      const errorLine = answer.end();
      if (errorLine !== null) return fail(socklabError('SOCKLAB_ERR_PROTOCOL', `the server answered: ${errorLine}`));
      resolve({
        command: options.command,
        transport: options.tls ? 'tls' : 'tcp',
        messages: answer.messages,
        reads,
        bytes,
        segments,
        localPort: socket.localPort,
        durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
        unexpected: answer.unexpected,
        ...(note ? { segmentsNote: note } : {}),
        ...(session ? { tls: session } : {}),
      });
    });
  });
}
