import type net from 'node:net';
import { peerOf } from '../address.js';
import type { Logger } from '../logger.js';
import { CommandReader, isCommandText, parsePmuCommand } from './command.js';
import { type PmuResponderOptions, respond } from './responder.js';
import { type PmuSession, PmuSessions, type SessionCounters, type SessionListener } from './sessions.js';

export interface PmuStreamOptions extends PmuResponderOptions {
  maxIntervalSeconds: number;
  maxCommandBytes: number;
  /** Quiet time after which an undelimited command counts as complete. */
  commandGapMs: number;
  /** A client that sends no complete command within this time gets an ERROR line. */
  idleTimeoutMs: number;
  /** Time a closed-by-us connection is kept to let the peer read our last bytes. */
  lingerMs: number;
  /** Write every message and the flood in chunks of at most this many bytes (0: whole), to test clients' splitting. */
  sliceBytes: number;
  /** With `sliceBytes`: milliseconds between two slices (0: the next event-loop turn). */
  sliceGapMs?: number;
  /** With `sliceBytes`: false writes the flood whole (socklab check: 1 MiB in 7-byte slices 1 ms apart would take minutes). */
  sliceFlood?: boolean;
  /**
   * Hand the transport one message at a time (the next once the last is written): over TLS each
   * message is then its own record, as each `send()` of the handout's server is one SSL_write.
   */
  oneWriteAtATime?: boolean;
  /** Told of each session as it ends (socklab check judges its programs on these). */
  onSession?: SessionListener;
}

/**
 * Speaks the PMU protocol over one stream (TCP, or TLS for the graded part 6): reads a command,
 * answers it, closes. Never throws on what the peer sends: every bad input gets one
 * "ERROR: <reason>" line and a close, and the server goes on. Accepting connections is the
 * caller's business, so the same handler serves the TCP emulator and the TLS PMU.
 */
export class PmuStreamHandler {
  private readonly sessions: PmuSessions;

  constructor(
    private readonly options: Readonly<PmuStreamOptions>,
    private readonly logger: Logger,
    /** Extra fields for the session log line (TLS version and cipher), read once the peer has spoken. */
    private readonly describe: (socket: net.Socket) => Record<string, unknown> = () => ({}),
  ) {
    this.sessions = new PmuSessions(logger, options.onSession);
    this.idleReason = `no command within ${options.idleTimeoutMs / 1000} s`;
  }

  private readonly idleReason: string;

  get counters(): SessionCounters {
    return this.sessions.counters;
  }

  /** Answers "ERROR: <reason>" without reading a command (server busy). */
  refuse(socket: net.Socket, reason: string): void {
    socket.on('error', () => undefined);
    this.logger.warn('refused', { peer: peerOf(socket), reason });
    this.closeWithError(socket, reason);
  }

  /**
   * Serves one connection; `onCommand` is told when a valid command has come (the peer is a client,
   * not a squatter). The command is complete after a newline, at EOF, or after `commandGapMs` of
   * quiet (the handout's clients send none); bounded by `maxCommandBytes` and `idleTimeoutMs`.
   * Anything after it is read and dropped, as the course server does. A connection that never sends
   * a command costs little: most of them are port checks and handshakes alone.
   */
  handle(socket: net.Socket, onCommand: () => void = () => undefined, peer: string | (() => string) = peerOf(socket)): void {
    const session = this.sessions.start(peer, () => socket.destroy());
    let reader: CommandReader | undefined;
    let gapTimer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(idleTimer);
      clearTimeout(gapTimer);
      return true;
    };
    const fail = (reason: string): void => void (finish() && this.fail(socket, session, reason));
    const command = (bytes: Buffer): void => void (finish() && this.answer(socket, session, bytes, onCommand));
    const idleTimer = setTimeout(fail, this.options.idleTimeoutMs, this.idleReason);
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      reader ??= new CommandReader(this.options.maxCommandBytes);
      const state = reader.push(chunk);
      if (state.state === 'too-long') return fail(`command longer than ${this.options.maxCommandBytes} bytes`);
      if (state.state === 'complete') return command(state.bytes);
      clearTimeout(gapTimer);
      gapTimer = setTimeout(() => command(reader!.take()), this.options.commandGapMs);
    });
    socket.on('end', () => {
      if (!finish()) return;
      if (reader && reader.buffered > 0) this.answer(socket, session, reader.take(), onCommand);
      else socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => session.noteError(`socket error ${error.code ?? error.message}`));
    socket.on('close', () => {
      finish();
      session.ended();
    });
  }

  /** Waits up to `drainMs` for the sessions under way, then cuts the rest. */
  closeAll(drainMs: number): Promise<void> {
    return this.sessions.drain(drainMs);
  }

  private answer(socket: net.Socket, session: PmuSession, bytes: Buffer, onCommand: () => void): void {
    if (!isCommandText(bytes)) return this.fail(socket, session, 'command is not text');
    const text = bytes.toString('latin1').replace(/\r$/, '');
    const parsed = parsePmuCommand(text, this.options.maxIntervalSeconds);
    if (!parsed.ok) return this.fail(socket, session, parsed.reason, text);
    session.identify(this.describe(socket));
    onCommand();
    const end = (): void => void socket.end(() => this.linger(socket));
    const sliced = this.options.sliceBytes > 0 && (parsed.command.kind !== 'flood' || this.options.sliceFlood !== false);
    const sink =
      sliced || this.options.oneWriteAtATime
        ? queuedSink(socket, sliced ? this.options.sliceBytes : 0, this.options.sliceGapMs ?? 0, end)
        : { send: (data: string | Buffer) => void socket.write(data), end };
    session.answering(text, respond(parsed.command, sink, this.options));
  }

  private fail(socket: net.Socket, session: PmuSession, reason: string, command: string | null = null): void {
    session.identify(this.describe(socket));
    session.failed(reason, command);
    this.closeWithError(socket, reason);
  }

  private closeWithError(socket: net.Socket, reason: string): void {
    // Half-close, then keep reading until the peer closes: closing with unread input would send a
    // RST that can destroy the ERROR line before the peer reads it.
    socket.resume();
    socket.end(`ERROR: ${reason}\n`, () => this.linger(socket));
  }

  private linger(socket: net.Socket): void {
    setTimeout(() => socket.destroy(), this.options.lingerMs).unref();
  }
}

/**
 * A sink that hands the socket one write at a time, the next once the last is written. With
 * `sliceBytes`, each message is cut into slices of at most that many bytes and Nagle is off: each
 * slice leaves as its own segment, so a message is split across segments and reads (the
 * perturbation of toxiproxy's slicer, for clients that must split the stream themselves).
 */
function queuedSink(socket: net.Socket, sliceBytes: number, gapMs: number, end: () => void): { send(data: string | Buffer): void; end(): void } {
  if (sliceBytes > 0) socket.setNoDelay(true);
  const queue: Array<Buffer | 'end'> = [];
  let writing = false;
  const next = (): void => {
    const item = queue.shift();
    if (item === undefined || socket.destroyed) return void (writing = false);
    if (item === 'end') return end();
    socket.write(item, () => (gapMs > 0 ? setTimeout(next, gapMs) : setImmediate(next)));
  };
  const push = (item: Buffer | 'end'): void => {
    queue.push(item);
    if (!writing) {
      writing = true;
      next();
    }
  };
  return {
    send: (data) => {
      const bytes = Buffer.from(data);
      const size = sliceBytes > 0 ? sliceBytes : bytes.length;
      for (let offset = 0; offset < bytes.length; offset += size) push(bytes.subarray(offset, offset + size));
    },
    end: () => push('end'),
  };
}
