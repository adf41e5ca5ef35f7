import type net from 'node:net';
import { peerOf } from '../address.js';
import type { Logger } from '../logger.js';
import { CommandReader, isCommandText, parsePmuCommand } from './command.js';
import { type PmuResponderOptions, type PmuResponse, respond } from './responder.js';

export interface PmuStreamOptions extends PmuResponderOptions {
  maxIntervalSeconds: number;
  maxCommandBytes: number;
  /** Quiet time after which an undelimited command counts as complete. */
  commandGapMs: number;
  /** A client that sends no complete command within this time gets an ERROR line. */
  idleTimeoutMs: number;
  /** Time a closed-by-us connection is kept to let the peer read our last bytes. */
  lingerMs: number;
}

interface Session {
  socket: net.Socket;
  response?: PmuResponse;
}

/**
 * Speaks the PMU protocol over one stream (TCP, or TLS for the graded part 6): reads a command,
 * answers it, closes. Never throws on what the peer sends: every bad input gets one
 * "ERROR: <reason>" line and a close, and the server goes on. Accepting connections is the
 * caller's business, so the same handler serves the TCP emulator and the TLS PMU.
 */
export class PmuStreamHandler {
  private readonly sessions = new Set<Session>();

  constructor(
    private readonly options: Readonly<PmuStreamOptions>,
    private readonly logger: Logger,
    /** Extra fields for the session log line (TLS version and cipher). */
    private readonly describe: (socket: net.Socket) => Record<string, unknown> = () => ({}),
  ) {}

  get active(): number {
    return this.sessions.size;
  }

  /** Answers "ERROR: <reason>" without reading a command (server busy). */
  refuse(socket: net.Socket, reason: string): void {
    socket.on('error', () => undefined);
    this.logger.warn('refused', { peer: peerOf(socket), reason });
    this.closeWithError(socket, reason);
  }

  /** Serves one connection; `onCommand` is told when a valid command has come (the peer is a client, not a squatter). */
  handle(socket: net.Socket, onCommand: () => void = () => undefined): void {
    const session: Session = { socket };
    this.sessions.add(session);
    const startedAt = performance.now();
    const peer = peerOf(socket);
    const described = this.describe(socket); // now: once closed, a TLS socket no longer tells its version
    const reader = new CommandReader(this.options.maxCommandBytes);
    let commandText: string | undefined;
    let outcome = 'closed by peer before a command';
    let sent = { messages: 0, bytes: 0 };
    let gapTimer: NodeJS.Timeout | undefined;
    let answered = false;

    const idleTimer = setTimeout(
      () => fail(`no command within ${this.options.idleTimeoutMs / 1000} s`),
      this.options.idleTimeoutMs,
    );
    const stopWaiting = (): void => {
      answered = true;
      clearTimeout(idleTimer);
      clearTimeout(gapTimer);
    };
    const fail = (reason: string): void => {
      if (answered) return;
      stopWaiting();
      outcome = `error: ${reason}`;
      this.closeWithError(socket, reason);
    };
    const answer = (bytes: Buffer): void => {
      if (answered) return;
      if (!isCommandText(bytes)) return fail('command is not text');
      commandText = bytes.toString('latin1').replace(/\r$/, '');
      const parsed = parsePmuCommand(commandText, this.options.maxIntervalSeconds);
      if (!parsed.ok) return fail(parsed.reason);
      stopWaiting();
      onCommand();
      outcome = 'answered';
      const response = respond(
        parsed.command,
        {
          send: (data) => socket.write(data),
          end: () => socket.end(() => this.linger(socket)),
        },
        this.options,
      );
      session.response = response;
      void response.done.then((result) => (sent = result));
    };

    socket.on('data', (chunk: Buffer) => {
      if (answered) return; // anything after the command is read and dropped, as the course server does
      const state = reader.push(chunk);
      if (state.state === 'too-long') return fail(`command longer than ${this.options.maxCommandBytes} bytes`);
      if (state.state === 'complete') return answer(state.bytes);
      clearTimeout(gapTimer);
      gapTimer = setTimeout(() => answer(reader.take()), this.options.commandGapMs);
    });
    socket.on('end', () => {
      if (answered) return;
      if (reader.buffered > 0) answer(reader.take());
      else {
        stopWaiting();
        socket.end();
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      outcome = `${outcome}; socket error ${error.code ?? error.message}`;
    });
    socket.on('close', () => {
      stopWaiting();
      session.response?.cancel();
      this.sessions.delete(session);
      const finish = (): void => {
        this.logger.info('session', {
          peer,
          command: commandText ?? null,
          outcome,
          messages: sent.messages,
          bytes: sent.bytes,
          durationMs: Math.round(performance.now() - startedAt),
          ...described,
        });
      };
      if (session.response) void session.response.done.then((result) => ((sent = result), finish()));
      else finish();
    });
  }

  /** Waits up to `drainMs` for the sessions under way, then cuts the rest. */
  async closeAll(drainMs: number): Promise<void> {
    const deadline = Date.now() + drainMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const session of this.sessions) session.socket.destroy();
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
