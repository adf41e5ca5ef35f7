import { monotonicNow } from '../clock.js';
import type { Logger } from '../logger.js';
import type { PmuResponse, PmuSent } from './responder.js';

/**
 * What an emulator tells whoever judges its clients (socklab check), one record per connection
 * when it ends: typed, so that a judge never reads log lines.
 */
export interface PmuSessionRecord {
  peer: string;
  /** null: the peer closed without a command. */
  command: string | null;
  outcome: string;
  /** The messages as sent, in order; for CMD_floodme the one whole text. */
  messages: string[];
  bytes: number;
  /** When the connection was accepted (ms since the epoch, monotonic within a run). */
  startedAt: number;
  durationMs: number;
}

export type SessionListener = (record: PmuSessionRecord) => void;

/**
 * One PMU session's bookkeeping, whatever carries it (TCP, TLS or WebSocket): the command, how it
 * ended, what was sent; one log line when the transport closes.
 */
const NO_COMMAND = 'closed by peer before a command';

export class PmuSession {
  command: string | null = null;
  private outcome = NO_COMMAND;
  private response: PmuResponse | undefined;
  private readonly startedAt = monotonicNow();

  constructor(
    private readonly sessions: PmuSessions,
    /** The peer's address, or how to read it when first needed (most connections end without a word, and it costs a system call). */
    private peerName: string | (() => string),
    /** Ends the transport at once (drain time is over). */
    readonly cut: () => void,
    /** Extra fields for the log line (TLS version and cipher). */
    private fields: Record<string, unknown>,
  ) {}

  get peer(): string {
    if (typeof this.peerName === 'function') this.peerName = this.peerName();
    return this.peerName;
  }

  /**
   * Reads what the log line tells of the transport, while it is open: a closed socket no longer
   * tells its peer, nor a TLS one its version.
   */
  identify(fields: Record<string, unknown>): void {
    this.fields = fields;
    this.peerName = this.peer;
  }

  /** True once a command is being answered (or was refused): later input is read and dropped. */
  get settled(): boolean {
    return this.response !== undefined || this.outcome.startsWith('error');
  }

  answering(command: string, response: PmuResponse): void {
    this.command = command;
    this.outcome = 'answered';
    this.response = response;
  }

  failed(reason: string, command: string | null = this.command): void {
    this.command = command;
    this.outcome = `error: ${reason}`;
  }

  /** A transport error, added to the outcome (the close that follows logs it). */
  noteError(text: string): void {
    this.outcome = `${this.outcome}; ${text}`;
  }

  /** The transport has closed: stops sending, and logs the session once the response knows what it sent. */
  ended(fields: Record<string, unknown> = {}): void {
    this.response?.cancel();
    const log = (sent: PmuSent): void => {
      // A connection that closes without a word (a port check, socklab tls's trace handshake, a
      // client reset before it spoke) is no session: it is logged as what it is and left out of
      // the session count.
      const silent = this.command === null && this.outcome.startsWith(NO_COMMAND);
      this.sessions.remove(this, sent, silent);
      const durationMs = Math.round(monotonicNow() - this.startedAt);
      this.sessions.onSession?.({
        peer: this.peer,
        command: this.command,
        outcome: this.outcome,
        messages: sent.items.map((item) => (typeof item === 'string' ? item : item.toString('utf8'))),
        bytes: sent.bytes,
        startedAt: this.startedAt,
        durationMs,
      });
      // At debug level when silent: a port check or a handshake alone is no session, and not worth a line each under a scan.
      if (silent && !this.sessions.debugEnabled) return;
      this.sessions.logger.log(silent ? 'debug' : 'info', silent ? 'connection without a command' : 'session', {
        peer: this.peer,
        command: this.command,
        outcome: this.outcome,
        messages: sent.items.length,
        bytes: sent.bytes,
        durationMs,
        ...this.fields,
        ...fields,
      });
    };
    if (this.response) void this.response.done.then(log);
    else log({ bytes: 0, items: [] });
  }
}

/** The PMU sessions of one server: counted, logged, and drained on close. */
export interface SessionCounters {
  /** Sessions started since the server started. */
  sessions: number;
  active: number;
  /** Bytes sent in the sessions that have ended. */
  bytesSent: number;
  /** Connections closed by their peer without a command (not counted as sessions). */
  silent: number;
}

export class PmuSessions {
  private readonly open = new Set<PmuSession>();
  private onEmpty: (() => void) | undefined;
  private started = 0;
  private silent = 0;
  private bytesSent = 0;

  /** Read once: winston's own check walks its transports on every call, once per silent connection. */
  readonly debugEnabled: boolean;

  constructor(
    readonly logger: Logger,
    /** Told of every connection when it ends, silent ones included (a judge wants to see them). */
    readonly onSession?: SessionListener,
  ) {
    this.debugEnabled = logger.isDebugEnabled();
  }

  get active(): number {
    return this.open.size;
  }

  get counters(): SessionCounters {
    return { sessions: this.started, active: this.open.size, bytesSent: this.bytesSent, silent: this.silent };
  }

  start(peer: string | (() => string), cut: () => void, fields: Record<string, unknown> = {}): PmuSession {
    this.started += 1;
    const session = new PmuSession(this, peer, cut, fields);
    this.open.add(session);
    return session;
  }

  /** @internal for PmuSession */
  remove(session: PmuSession, sent: PmuSent, silent: boolean): void {
    this.open.delete(session);
    if (silent) {
      this.started -= 1;
      this.silent += 1;
    }
    this.bytesSent += sent.bytes;
    if (this.open.size === 0) this.onEmpty?.();
  }

  /** Waits up to `drainMs` for the sessions under way to end (told by their close, not by polling), then cuts the rest. */
  async drain(drainMs: number): Promise<void> {
    if (this.open.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.onEmpty = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.onEmpty = undefined;
    }
    for (const session of this.open) session.cut();
  }
}
