import dgram from 'node:dgram';
import { socklabError } from '../errors.js';
import { bindDatagram, closeSocket, once } from '../listen.js';

/** Handout part 1.1: codes A (send one datagram) and B (print every datagram received). */

export interface DatagramTarget {
  host: string;
  port: number;
  ipv6: boolean;
}

/** Code A: one datagram, then close. */
export async function sendDatagram(target: DatagramTarget, message: string): Promise<void> {
  const socket = dgram.createSocket(target.ipv6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) =>
      socket.send(message, target.port, target.host, (error) => (error ? reject(error) : resolve())),
    );
  } catch (error) {
    throw socklabError('SOCKLAB_ERR_NETWORK', `cannot send to ${target.host}:${target.port}: ${(error as Error).message}`);
  } finally {
    socket.close();
  }
}

export interface Datagram {
  data: Buffer;
  address: string;
  port: number;
}

export interface DatagramListener {
  port: number;
  close(): Promise<void>;
}

/** Code B: binds (host "" means every interface) and reports each datagram. */
export async function listenDatagrams(target: DatagramTarget, onDatagram: (datagram: Datagram) => void): Promise<DatagramListener> {
  const socket = dgram.createSocket(target.ipv6 ? 'udp6' : 'udp4');
  socket.on('message', (data, peer) => onDatagram({ data, address: peer.address, port: peer.port }));
  const address = target.host || (target.ipv6 ? '::' : '0.0.0.0');
  try {
    await bindDatagram(socket, { port: target.port, address });
  } catch (error) {
    socket.close();
    throw socklabError('SOCKLAB_ERR_NETWORK', `cannot listen on ${address}:${target.port}: ${(error as Error).message}`);
  }
  return {
    port: socket.address().port,
    close: once(() => closeSocket(socket)),
  };
}
