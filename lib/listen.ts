import type dgram from 'node:dgram';
import type net from 'node:net';

/**
 * Starting to listen is asynchronous and fails by an 'error' event (EADDRINUSE, EADDRNOTAVAIL):
 * these turn both kinds of socket into a promise that rejects with that error.
 */

/** A stream server (TCP, TLS, HTTP) on host:port. */
export async function listen(server: net.Server, options: net.ListenOptions): Promise<net.AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as net.AddressInfo;
}

/** A UDP socket bound to address:port. */
export async function bindDatagram(socket: dgram.Socket, options: dgram.BindOptions): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}
