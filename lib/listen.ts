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

/** Stops accepting and resolves once every connection the server still holds has closed. */
export function closeServer(server: { close(callback: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Closes a UDP socket; a socket already closed counts as closed. */
export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // ERR_SOCKET_DGRAM_NOT_RUNNING: closed before
    }
  });
}

/** Shares one close() among every caller, as `close()` must be idempotent: a second call joins the first. */
export function once(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= close());
}
