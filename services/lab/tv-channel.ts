import type { AddressInfo } from 'node:net';
import { formatHostPort } from '../../lib/address.js';
import type { Logger } from '../../lib/logger.js';
import { joinGroups, type Membership, type MulticastDatagram, type MulticastSender, multicastSender } from '../../lib/multicast.js';
import { RateLimitedLog } from '../../lib/rate-limited-log.js';
import { CHANNEL_ID, decodeTvDatagram, encodeTvDatagram } from '../../lib/tv.js';
import { once } from '../../lib/listen.js';

export interface TvChannelOptions {
  group: string;
  port: number;
  /** Interface address for sending and joining ("" lets the system choose). */
  iface: string;
  ttl: number;
  intervalMs: number;
  /** Subscriber texts longer than this many characters are answered (handout Q22: 300). */
  replyThreshold: number;
  maxRepliesPerSecond: number;
  receiveBufferBytes: number;
  lines: readonly string[];
}

export interface TvCounters {
  broadcast: number;
  received: number;
  replies: number;
  ignored: number;
}

/**
 * The course's multicast TV channel (handout part 4, 224.1.1.1:5005): broadcasts the lines of a
 * play, one datagram each, and answers on the group a subscriber whose message is long enough.
 */
export class TvChannel {
  readonly counters: TvCounters = { broadcast: 0, received: 0, replies: 0, ignored: 0 };
  private membership: Membership | undefined;
  private sender: MulticastSender | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextLine = 0;
  private port = 0;
  /** Reply times in the last second, per subscriber ID. */
  private readonly recentReplies = new Map<string, number[]>();
  private readonly datagramLog: RateLimitedLog;

  constructor(
    private readonly options: Readonly<TvChannelOptions>,
    private readonly logger: Logger,
  ) {
    this.datagramLog = new RateLimitedLog(logger, { lines: 20, windowMs: 1000 });
  }

  async listen(): Promise<AddressInfo> {
    const { group, iface, ttl } = this.options;
    this.membership = await joinGroups(
      { groups: [group], port: this.options.port, iface, receiveBufferBytes: this.options.receiveBufferBytes },
      (datagram) => this.onDatagram(datagram),
    );
    if (this.membership.receiveBufferBytes < this.options.receiveBufferBytes) {
      this.logger.warn('receive buffer smaller than asked (raise net.core.rmem_max)', { asked: this.options.receiveBufferBytes, granted: this.membership.receiveBufferBytes });
    }
    this.port = this.membership.port;
    this.sender = await multicastSender({ iface, ttl });
    this.timer = setInterval(() => this.broadcast(), this.options.intervalMs);
    this.logger.info('listening', { url: `udp://${formatHostPort(group, this.port)}`, iface: iface || 'system default', ttl });
    return this.membership.address;
  }

  private send(text: string): void {
    this.sender?.send(encodeTvDatagram(CHANNEL_ID, text), this.options.group, this.port).catch((error: Error) => {
      this.datagramLog.log('warn', 'send failed', { error: error.message });
    });
  }

  private broadcast(): void {
    this.send(this.options.lines[this.nextLine]!);
    this.nextLine = (this.nextLine + 1) % this.options.lines.length;
    this.counters.broadcast += 1;
  }

  private onDatagram({ payload, address, port }: MulticastDatagram): void {
    const datagram = decodeTvDatagram(payload);
    if (datagram.id === CHANNEL_ID) return; // our own broadcasts, looped back
    this.counters.received += 1;
    const from = formatHostPort(address, port);
    const characters = [...datagram.text].length;
    this.datagramLog.log('info', 'subscriber datagram', { from, id: datagram.id, characters, wellFormed: datagram.wellFormed });
    if (!datagram.wellFormed || characters <= this.options.replyThreshold) return;
    if (!this.mayReply(datagram.id)) {
      this.counters.ignored += 1;
      return;
    }
    this.counters.replies += 1;
    this.send(`Thank you ${datagram.id}: your ${characters}-character message was received by the TV channel.`);
  }

  private mayReply(id: string): boolean {
    const now = Date.now();
    const recent = (this.recentReplies.get(id) ?? []).filter((at) => now - at < 1000);
    if (recent.length >= this.options.maxRepliesPerSecond) return false;
    recent.push(now);
    if (this.recentReplies.size > 10_000) this.recentReplies.clear(); // bound the memory IDs can take
    this.recentReplies.set(id, recent);
    return true;
  }

  readonly close = once(async () => {
    clearInterval(this.timer);
    await this.membership?.close();
    await this.sender?.close();
    this.logger.info('closed', { ...this.counters });
  });
}
