import net from 'node:net';
import { readSocket } from './clients/recv.js';
import { socklabError } from './errors.js';
import { closeServer, listen, once } from './listen.js';

/** Handout part 1.2, code C: the echo server. */

export interface EchoServerOptions {
  host: string;
  port: number;
  /** Bytes per recv(): 16 in code C (handout Q6 asks what changes with it). */
  readSize: number;
}

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

  constructor(
    private readonly options: Readonly<EchoServerOptions>,
    private readonly events: EchoEvents,
  ) {
    this.server.on('connection', (socket) => {
      this.waiting.push(socket);
      this.next();
    });
  }

  async listen(): Promise<net.AddressInfo> {
    const { host, port } = this.options;
    return listen(this.server, { host, port, ipv6Only: net.isIPv6(host), exclusive: true, backlog: 1 }).catch((error: Error) => {
      throw socklabError('SOCKLAB_ERR_NETWORK', `cannot listen on ${host}:${port}: ${error.message}`);
    });
  }

  private next(): void {
    if (this.serving) return;
    const socket = this.waiting.shift();
    if (!socket) return;
    this.serving = true;
    const peer = { address: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 };
    readSocket(socket, this.options.readSize, (chunk) => {
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

  readonly close = once(async () => {
    for (const socket of this.waiting.splice(0)) socket.destroy();
    await closeServer(this.server);
  });
}
