import type net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface AdmissionOptions {
  /** Connections held at once. */
  maxConnections: number;
  /** Connections one address may hold before they have sent their command (or finished their handshake). */
  maxPendingPerAddress: number;
}

/**
 * Who gets a connection slot when they run out. A connection is *pending* until its peer has shown
 * it means business (a PMU command received); pending ones can be evicted, oldest first, so that
 * idle or slow connections, however many, never lock a legitimate client out: a new connection
 * evicts the oldest pending one of its own address when that address is at its cap, else the
 * oldest pending one of all when every slot is taken. Only when every slot holds a settled session
 * is a new connection refused.
 */
export class ConnectionAdmission {
  /** Every connection held, oldest first (a Map keeps insertion order). */
  private readonly held = new Map<net.Socket, { address: string; pending: boolean; admittedAt: number }>();
  private readonly pendingByAddress = new Map<string, number>();
  private evictedCount = 0;

  constructor(private readonly options: Readonly<AdmissionOptions>) {}

  get size(): number {
    return this.held.size;
  }

  get evicted(): number {
    return this.evictedCount;
  }

  /** Takes `socket` in (evicting to make room) and releases it when it closes; false when it must be refused. */
  admit(socket: net.Socket): boolean {
    const address = socket.remoteAddress ?? '?';
    if ((this.pendingByAddress.get(address) ?? 0) >= this.options.maxPendingPerAddress) this.evictOldest(address);
    else if (this.held.size >= this.options.maxConnections && !this.evictOldest(null)) return false;
    this.held.set(socket, { address, pending: true, admittedAt: performance.now() });
    this.pendingByAddress.set(address, (this.pendingByAddress.get(address) ?? 0) + 1);
    socket.once('close', () => this.release(socket));
    return true;
  }

  /** Every connection held, oldest first. */
  get connections(): IterableIterator<net.Socket> {
    return this.held.keys();
  }

  /** The connection held from this peer's address and port (a TLS session's own TCP socket). */
  heldFrom(address: string | undefined, port: number | undefined): net.Socket | undefined {
    for (const socket of this.held.keys()) if (socket.remotePort === port && socket.remoteAddress === address) return socket;
    return undefined;
  }

  /** The connections still pending that were admitted before `time` (`performance.now()`), oldest first. */
  *pendingAdmittedBefore(time: number): Generator<net.Socket> {
    for (const [socket, entry] of this.held) {
      if (entry.admittedAt >= time) return;
      if (entry.pending) yield socket;
    }
  }

  /** The peer has sent its command: the connection is a session now, never evicted. */
  settle(socket: net.Socket): void {
    const entry = this.held.get(socket);
    if (!entry?.pending) return;
    entry.pending = false;
    this.decrementPending(entry.address);
  }

  private release(socket: net.Socket): void {
    const entry = this.held.get(socket);
    if (!entry) return;
    this.held.delete(socket);
    if (entry.pending) this.decrementPending(entry.address);
  }

  private evictOldest(address: string | null): boolean {
    for (const [socket, entry] of this.held) {
      if (entry.pending && (address === null || entry.address === address)) {
        this.release(socket);
        socket.destroy();
        this.evictedCount += 1;
        return true;
      }
    }
    return false;
  }

  private decrementPending(address: string): void {
    const left = (this.pendingByAddress.get(address) ?? 1) - 1;
    if (left === 0) this.pendingByAddress.delete(address);
    else this.pendingByAddress.set(address, left);
  }
}
