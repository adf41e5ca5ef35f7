import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { familyAt, nextBoundary, type ScheduleWindow } from '../../lib/family-schedule.js';
import { type Family, formatHostPort } from '../../lib/address.js';
import { monotonicNow } from '../../lib/clock.js';
import { bindDatagram, closeSocket, once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import { RateLimitedLog } from '../../lib/rate-limited-log.js';
import { formatOffsetReply, type OffsetSeparator, parseResetRequest, whyNotResetRequest } from '../../lib/reset.js';

export interface PmuUdpServerOptions {
  /** "" when this server has no address of that family (it is down in that family's windows). */
  host4: string;
  host6: string;
  port: number;
  dropProbability: number;
  maxN: number;
  schedule: readonly ScheduleWindow[];
  /** "schedule" follows `schedule`; a family forces it. */
  family: 'schedule' | Family;
  /** "=" as the handout (OFFSET=X), ":" as an earlier year's server (OFFSET:X). */
  offsetSeparator: OffsetSeparator;
  receiveBufferBytes: number;
  random: () => number;
  /** Requests dropped before `dropProbability` applies, so that a judge always sees retransmissions. */
  dropFirst?: number;
  /** Told of every well-formed request (socklab check judges its programs on these). */
  onRequest?: (record: ResetRequestRecord) => void;
}

/** One RESET request as the server saw it, and its fate. */
export interface ResetRequestRecord {
  from: string;
  family: Family;
  n: number;
  /** The OFFSET reply sent, or null when the request was dropped. */
  reply: string | null;
  /** ms since the epoch, monotonic within a run. */
  at: number;
}

export interface PmuUdpCounters {
  received: number;
  answered: number;
  dropped: number;
  malformed: number;
}

/**
 * The course's RESET server (handout part 3, port 5004): answers RESET:n with OFFSET=X, except
 * with probability p, on IPv4 or IPv6 by time of day. At a window boundary it closes the socket
 * of one family and opens one of the other, on the same port.
 */
export class PmuUdpServer {
  readonly counters: PmuUdpCounters = { received: 0, answered: 0, dropped: 0, malformed: 0 };
  private socket: dgram.Socket | undefined;
  private socketFamily: Family | null = null;
  private port: number;
  private switchTimer: NodeJS.Timeout | undefined;
  private switching: Promise<void> = Promise.resolve();
  private closed = false;
  private started = false;
  private readonly requestLog: RateLimitedLog;
  private dropsLeft: number;

  constructor(
    private readonly options: Readonly<PmuUdpServerOptions>,
    private readonly logger: Logger,
  ) {
    this.port = options.port;
    this.dropsLeft = options.dropFirst ?? 0;
    this.requestLog = new RateLimitedLog(logger, { lines: 20, windowMs: 1000 }, () => Date.now());
  }

  /** The family served now, or null when the schedule has the server down. */
  get family(): Family | null {
    return this.socketFamily;
  }

  /** Binds the family the schedule gives now; resolves with its address (the port stays across switches). */
  async listen(): Promise<AddressInfo> {
    await this.follow();
    const family = this.socketFamily ?? 'IPv4';
    return { address: family === 'IPv4' ? this.options.host4 : this.options.host6, family, port: this.port };
  }

  private scheduledFamily(at: number): Family | null {
    return this.options.family === 'schedule' ? familyAt(new Date(at), this.options.schedule) : this.options.family;
  }

  private follow(): Promise<void> {
    this.switching = this.switching.then(async () => {
      if (this.closed) return;
      const now = Date.now();
      const family = this.scheduledFamily(now);
      const previous = this.socketFamily;
      if (family !== previous) {
        await this.closeCurrentSocket();
        if (family) await this.openSocket(family);
        if (this.started) {
          this.logger.info('family switched', { from: previous ?? 'down', to: family ?? 'down', at: new Date(now).toISOString() });
        }
      }
      this.started = true;
      if (this.options.family !== 'schedule' || this.closed) return;
      const boundary = nextBoundary(new Date(now), this.options.schedule);
      if (boundary) {
        this.switchTimer = setTimeout(() => {
          this.follow().catch((error: Error) => this.logger.error('family switch failed', { error: error.message }));
        }, boundary.getTime() - now);
      }
    });
    return this.switching;
  }

  private async openSocket(family: Family): Promise<void> {
    const host = family === 'IPv4' ? this.options.host4 : this.options.host6;
    if (host === '') return;
    const socket = dgram.createSocket({
      type: family === 'IPv4' ? 'udp4' : 'udp6',
      ipv6Only: family === 'IPv6', // the IPv6 socket must not also answer IPv4-mapped requests
      recvBufferSize: this.options.receiveBufferBytes,
    });
    socket.on('message', (message, peer) => this.onRequest(socket, message, peer));
    socket.on('error', (error) => this.logger.warn('socket error', { family, error: error.message }));
    try {
      await bindDatagram(socket, { address: host, port: this.port, exclusive: true });
    } catch (error) {
      socket.close();
      if (this.port === 0) throw error;
      this.logger.error('cannot listen, server down until the next window', { family, error: (error as Error).message });
      return;
    }
    this.port = socket.address().port;
    this.socket = socket;
    this.socketFamily = family;
    this.logger.info('listening', { url: `udp://${formatHostPort(host, this.port)}`, family });
  }

  private async closeCurrentSocket(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    this.socketFamily = null;
    if (socket) await closeSocket(socket);
  }

  private onRequest(socket: dgram.Socket, message: Buffer, peer: dgram.RemoteInfo): void {
    this.counters.received += 1;
    const from = formatHostPort(peer.address, peer.port);
    const text = message.toString('latin1');
    const n = parseResetRequest(text, this.options.maxN);
    if (n === null) {
      this.counters.malformed += 1;
      this.requestLog.log('warn', 'malformed request ignored', { from, bytes: message.length, reason: whyNotResetRequest(text.slice(0, 64), this.options.maxN), malformed: this.counters.malformed });
      return;
    }
    const at = monotonicNow();
    const family: Family = peer.family === 'IPv6' ? 'IPv6' : 'IPv4';
    const dropped = this.dropsLeft > 0 || this.options.random() < this.options.dropProbability;
    if (dropped) {
      this.dropsLeft = Math.max(0, this.dropsLeft - 1);
      this.counters.dropped += 1;
      this.requestLog.log('info', 'request', { from, request: `RESET:${n}`, reply: null });
      this.options.onRequest?.({ from, family, n, reply: null, at });
      return;
    }
    const reply = formatOffsetReply(Math.floor(this.options.random() * (n + 1)), this.options.offsetSeparator);
    this.options.onRequest?.({ from, family, n, reply, at });
    socket.send(reply, peer.port, peer.address, (error) => {
      if (error) this.logger.warn('reply not sent', { from, error: error.message });
    });
    this.counters.answered += 1;
    this.requestLog.log('info', 'request', { from, request: `RESET:${n}`, reply });
  }

  readonly close = once(async () => {
    this.closed = true;
    clearTimeout(this.switchTimer);
    await this.switching.catch(() => undefined);
    await this.closeCurrentSocket();
    this.logger.info('closed', { ...this.counters });
  });
}
