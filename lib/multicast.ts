import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { socklabError } from './errors.js';
import { bindDatagram, closeSocket, once } from './listen.js';

/**
 * Joining and sending on IPv4 multicast groups (handout part 4). The socket options a receiver
 * needs (Q20): SO_REUSEADDR, so that several receivers share the port; a bind to the group's
 * port (here to the group address itself, so that each socket gets only its group's datagrams);
 * IP_ADD_MEMBERSHIP with the interface the group is joined on. A sender sets IP_MULTICAST_IF and
 * IP_MULTICAST_TTL, and IP_MULTICAST_LOOP so that receivers on the same host hear it.
 */

export interface MulticastDatagram {
  receivedAt: Date;
  group: string;
  address: string;
  port: number;
  payload: Buffer;
}

export interface JoinOptions {
  groups: readonly string[];
  port: number;
  /** Interface address to join on; "" lets the system choose. */
  iface: string;
  receiveBufferBytes?: number;
}

export interface Membership {
  /** The first group's socket: the group address and the port joined (the one given, or the one the system chose for 0). */
  address: AddressInfo;
  port: number;
  /** The receive buffer the kernel granted (capped by net.core.rmem_max). */
  receiveBufferBytes: number;
  close(): Promise<void>;
}

export async function joinGroups(options: JoinOptions, onDatagram: (datagram: MulticastDatagram) => void): Promise<Membership> {
  const sockets: dgram.Socket[] = [];
  let port = options.port;
  const iface = options.iface || undefined;
  const close = once(async (): Promise<void> => {
    await Promise.all(
      sockets.splice(0).map((socket, index) => {
        try {
          socket.dropMembership(options.groups[index]!, iface);
        } catch {
          // not joined, or the interface went away: closing drops it anyway
        }
        return closeSocket(socket);
      }),
    );
  });
  try {
    for (const group of options.groups) {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: options.receiveBufferBytes });
      sockets.push(socket);
      socket.on('message', (payload, peer) =>
        onDatagram({ receivedAt: new Date(), group, address: peer.address, port: peer.port, payload }),
      );
      await bindDatagram(socket, { port, address: group });
      port = socket.address().port; // every group on the same port, even when the system chose it
      socket.addMembership(group, iface);
    }
  } catch (error) {
    await close();
    throw socklabError('SOCKLAB_ERR_NETWORK', `cannot join ${options.groups.join(', ')} on port ${options.port} via ${options.iface || 'the default interface'}: ${(error as Error).message}`);
  }
  return {
    address: sockets[0]!.address(),
    port,
    receiveBufferBytes: sockets[0]!.getRecvBufferSize(),
    close,
  };
}

export interface SenderOptions {
  iface: string;
  ttl: number;
}

export interface MulticastSender {
  send(payload: Buffer, group: string, port: number): Promise<void>;
  close(): Promise<void>;
}

export async function multicastSender(options: SenderOptions): Promise<MulticastSender> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await bindDatagram(socket, { port: 0, address: '0.0.0.0' });
  if (options.iface) socket.setMulticastInterface(options.iface);
  socket.setMulticastTTL(options.ttl);
  socket.setMulticastLoopback(true);
  return {
    send: (payload, group, port) =>
      new Promise<void>((resolve, reject) =>
        socket.send(payload, port, group, (error) =>
          error ? reject(socklabError('SOCKLAB_ERR_NETWORK', `cannot send to ${group}:${port}: ${error.message}`)) : resolve(),
        ),
      ),
    close: once(() => closeSocket(socket)),
  };
}

/** Largest UDP payload over IPv4: 65,535 − 20 (IP header) − 8 (UDP header). */
export const MAX_DATAGRAM_BYTES = 65_507;
