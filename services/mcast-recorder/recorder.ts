import type { Logger } from '../../lib/logger.js';
import { joinGroups, type Membership, type MulticastDatagram } from '../../lib/multicast.js';
import { decodeTvDatagram } from '../../lib/tv.js';
import { once } from '../../lib/listen.js';
import type { DatagramRow, RecorderStore } from './store.js';

export interface RecorderOptions {
  groups: readonly string[];
  port: number;
  iface: string;
  receiveBufferBytes: number;
  /** Longest a datagram waits before its batch is committed. */
  batchMs: number;
  /** Rows that make a batch commit at once. */
  batchRows: number;
  countersEveryMs: number;
}

export interface RecorderCounters {
  received: number;
  stored: number;
  batches: number;
}

/**
 * The mcast-recorder (handout part 4): records every datagram of the groups it joins, in
 * batched transactions (at most `batchMs` or `batchRows`), so that a kill -9 loses at most the
 * batch not yet committed and never leaves the store half-written.
 */
export class MulticastRecorder {
  readonly counters: RecorderCounters = { received: 0, stored: 0, batches: 0 };
  private membership: Membership | undefined;
  private pending: DatagramRow[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private countersTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Readonly<RecorderOptions>,
    private readonly store: RecorderStore,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<number> {
    this.membership = await joinGroups(this.options, (datagram) => this.onDatagram(datagram));
    if (this.membership.receiveBufferBytes < this.options.receiveBufferBytes) {
      this.logger.warn('receive buffer smaller than asked (raise net.core.rmem_max)', {
        asked: this.options.receiveBufferBytes,
        granted: this.membership.receiveBufferBytes,
      });
    }
    this.countersTimer = setInterval(() => this.logger.info('counters', { ...this.counters }), this.options.countersEveryMs);
    this.countersTimer.unref();
    this.logger.info('recording', {
      groups: this.options.groups,
      port: this.membership.port,
      iface: this.options.iface || 'system default',
      receiveBufferBytes: this.membership.receiveBufferBytes,
    });
    return this.membership.port;
  }

  private onDatagram(datagram: MulticastDatagram): void {
    this.counters.received += 1;
    const decoded = decodeTvDatagram(datagram.payload);
    this.pending.push({
      receivedAt: datagram.receivedAt.toISOString(),
      group: datagram.group,
      sourceAddress: datagram.address,
      sourcePort: datagram.port,
      senderId: decoded.id,
      text: decoded.text,
      wellFormed: decoded.wellFormed,
      payload: datagram.payload,
    });
    if (this.pending.length >= this.options.batchRows) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.options.batchMs);
  }

  /** Commits what is pending; on a store error the rows stay pending and the next flush retries. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    try {
      this.store.append(batch);
    } catch (error) {
      this.logger.error('batch not stored, will retry', { rows: batch.length, error: (error as Error).message });
      this.flushTimer = setTimeout(() => this.flush(), this.options.batchMs);
      return;
    }
    this.pending = [];
    this.counters.stored += batch.length;
    this.counters.batches += 1;
  }

  readonly close = once(async () => {
    clearInterval(this.countersTimer);
    await this.membership?.close();
    this.flush();
    this.store.close();
    this.logger.info('closed', { ...this.counters });
  });
}
