import type { AddressInfo } from 'node:net';
import { socklabError, type SocklabError } from '../../lib/errors.js';
import { once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import { joinGroups, type Membership, type MulticastDatagram } from '../../lib/multicast.js';
import { STORE_RETRY, StoreWriter, type StoreWriterCounters } from '../../lib/store-writer.js';
import { decodeTvDatagram } from '../../lib/tv.js';
import type { DatagramRow, RecorderStore } from './store.js';

export interface RecorderOptions {
  groups: readonly string[];
  port: number;
  iface: string;
  receiveBufferBytes: number;
  /** Longest a datagram waits before its batch is committed. */
  batchMs: number;
  /** Rows that make a batch commit at once, and most rows in one transaction. */
  batchRows: number;
  /** Most rows held while the store cannot take them. */
  maxPendingRows: number;
  countersEveryMs: number;
}

export interface RecorderCounters extends StoreWriterCounters {
  received: number;
}

/**
 * The mcast-recorder (handout part 4): records every datagram of the groups it joins, in
 * batched transactions (at most `batchMs` or `batchRows`), so that a kill -9 loses at most the
 * batch not yet committed and never leaves the store half-written. A store that fails is retried
 * without losing what it holds (up to `maxPendingRows`); one that cannot be used ends the service.
 */
export class MulticastRecorder {
  private membership: Membership | undefined;
  private received = 0;
  private readonly writer: StoreWriter<DatagramRow>;
  private countersTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: Readonly<RecorderOptions>,
    private readonly store: RecorderStore,
    private readonly logger: Logger,
    /** Called once when the store cannot be used any more: the service must end. */
    onUnusable: (error: SocklabError) => void,
  ) {
    this.writer = new StoreWriter(
      { file: store.file, batchMs: options.batchMs, batchRows: options.batchRows, maxPendingRows: options.maxPendingRows, ...STORE_RETRY },
      (rows) => store.append(rows),
      logger,
      onUnusable,
    );
  }

  get counters(): RecorderCounters {
    return { received: this.received, ...this.writer.counters };
  }

  async listen(): Promise<AddressInfo> {
    this.membership = await joinGroups(this.options, (datagram) => this.onDatagram(datagram));
    if (this.membership.receiveBufferBytes < this.options.receiveBufferBytes) {
      this.logger.warn('receive buffer smaller than asked (raise net.core.rmem_max)', {
        asked: this.options.receiveBufferBytes,
        granted: this.membership.receiveBufferBytes,
      });
    }
    this.countersTimer = setInterval(() => this.logger.info('counters', this.counters), this.options.countersEveryMs);
    this.countersTimer.unref();
    this.logger.info('recording', {
      groups: this.options.groups,
      port: this.membership.port,
      iface: this.options.iface || 'system default',
      receiveBufferBytes: this.membership.receiveBufferBytes,
    });
    return this.membership.address;
  }

  private onDatagram(datagram: MulticastDatagram): void {
    this.received += 1;
    const decoded = decodeTvDatagram(datagram.payload);
    this.writer.push({
      receivedAt: datagram.receivedAt.toISOString(),
      group: datagram.group,
      sourceAddress: datagram.address,
      sourcePort: datagram.port,
      senderId: decoded.id,
      text: decoded.text,
      wellFormed: decoded.wellFormed,
      payload: datagram.payload,
    });
  }

  /** Stops listening, commits what it can; rejects, after closing everything, when any datagram was not stored. */
  readonly close = once(async () => {
    clearInterval(this.countersTimer);
    await this.membership?.close();
    const counters = { received: this.received, ...this.writer.close() };
    this.store.close();
    this.logger.info('closed', counters);
    if (counters.lost > 0) {
      throw socklabError('SOCKLAB_ERR_STORE', `${counters.lost} of ${counters.received} datagrams were not stored in ${this.store.file}`);
    }
  });
}
