import net from 'node:net';
import { socklabError } from '../errors.js';
import { connectionError } from './network-errors.js';
import { readSocket } from './recv.js';

/** Handout part 1.2, code D: the Romeo client; code C, the server, is lib/echo-server.ts. */

export const RECV_SIZE = 16;
export const ROMEO = 'O Romeo, Romeo! wherefore art thou Romeo?';

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
