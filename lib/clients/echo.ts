import net from 'node:net';
import { socklabError } from '../errors.js';
import { listen } from '../listen.js';
import { connectionError } from './network-errors.js';
import { readSocket } from './recv.js';

/** Handout part 1.2: codes C (16-byte echo server) and D (the Romeo client). */

export const RECV_SIZE = 16;
export const ROMEO = 'O Romeo, Romeo! wherefore art thou Romeo?';

export interface EchoEvents {
  /** A 16-byte (at most) read; "" when the peer has closed, as Python's recv returns b''. */
  onReceived(peer: { address: string; port: number }, text: string): void;
  onPeerClosed(peer: { address: string; port: number }): void;
}

/**
 * Code C. Serves one connection at a time, as its `accept()` loop does: a second client waits
 * until the first is done. Node sets SO_REUSEADDR on listening TCP sockets, as Code C does with
 * setsockopt, so a restart right after Ctrl-C does not fail with "Address already in use".
 */
export class EchoServer {
  private readonly server = net.createServer({ pauseOnConnect: true });
  private readonly waiting: net.Socket[] = [];
  private serving = false;

  constructor(private readonly events: EchoEvents) {
    this.server.on('connection', (socket) => {
      this.waiting.push(socket);
      this.next();
    });
  }

  async listen(host: string, port: number, ipv6: boolean): Promise<net.AddressInfo> {
    return listen(this.server, { host, port, ipv6Only: ipv6, exclusive: true, backlog: 1 }).catch((error: Error) => {
      throw socklabError('SOCKLAB_ERR_NETWORK', `cannot listen on ${host}:${port}: ${error.message}`);
    });
  }

  private next(): void {
    if (this.serving) return;
    const socket = this.waiting.shift();
    if (!socket) return;
    this.serving = true;
    const peer = { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 };
    readSocket(socket, RECV_SIZE, (chunk) => {
      this.events.onReceived(peer, chunk.toString('utf8'));
      socket.write(chunk);
    });
    socket.on('end', () => {
      this.events.onReceived(peer, '');
      this.events.onPeerClosed(peer);
      socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.serving = false;
      this.next();
    });
    socket.resume();
  }

  close(): Promise<void> {
    for (const socket of this.waiting.splice(0)) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface EchoSendOptions {
  host: string;
  port: number;
  ipv6: boolean;
  message: string;
  onReceived?: (text: string) => void;
  timeoutMs: number;
}

/** Code D: sends the message, reads the echo in 16-byte reads until all of it is back; returns the open socket. */
export function sendAndReadEcho(options: EchoSendOptions): Promise<{ socket: net.Socket; reads: number; received: string }> {
  return new Promise((resolve, reject) => {
    const expected = Buffer.byteLength(options.message);
    let received = Buffer.alloc(0);
    let reads = 0;
    const socket = net.connect({ host: options.host, port: options.port, family: options.ipv6 ? 6 : 4 }, () => {
      socket.write(options.message);
    });
    socket.setTimeout(options.timeoutMs, () => {
      socket.destroy();
      reject(socklabError('SOCKLAB_ERR_TIMEOUT', `no echo from ${options.host}:${options.port} for ${options.timeoutMs / 1000} s`));
    });
    socket.on('error', (error: NodeJS.ErrnoException) => reject(connectionError(error, options.host, options.port)));
    socket.on('end', () => {
      if (received.length < expected) reject(socklabError('SOCKLAB_ERR_NETWORK', 'the server closed before echoing everything'));
    });
    readSocket(socket, RECV_SIZE, (chunk) => {
      reads += 1;
      received = Buffer.concat([received, chunk]);
      options.onReceived?.(chunk.toString('utf8'));
      if (received.length >= expected) {
        socket.setTimeout(0);
        socket.removeAllListeners('readable');
        resolve({ socket, reads, received: received.toString('utf8') });
      }
    });
  });
}
