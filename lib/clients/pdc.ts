import net from 'node:net';
import tls from 'node:tls';
import type { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { offeredSuites } from '../client-hello.js';
import { catchClientHello } from './hello-catcher.js';
import { socklabError } from '../errors.js';
import { FLOOD_COMMAND } from '../pmu/command.js';
import { PmuMessageSplitter, type StreamItem } from '../pmu/splitter.js';
import { dataSegments, dataSegmentsIn } from '../tcp-info.js';
import { connectionError } from './network-errors.js';
import { readSocket } from './recv.js';
import { signatureAlgorithm } from './tls-trace.js';

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

function describeSession(socket: tls.TLSSocket): TlsSession {
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
function tlsSettings(options: Pick<TlsClientOptions, 'securityLevel' | 'version'>): tls.ConnectionOptions {
  return {
    ciphers: `${tls.DEFAULT_CIPHERS}:@SECLEVEL=${options.securityLevel}`,
    minVersion: options.version ?? 'TLSv1.2',
    maxVersion: options.version ?? 'TLSv1.3',
  };
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
