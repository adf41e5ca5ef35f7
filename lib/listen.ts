import type net from 'node:net';

/** Starts a stream server (TCP, TLS, HTTP) on host:port; rejects on EADDRINUSE and the like. */
export async function listen(server: net.Server, host: string, port: number): Promise<net.AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as net.AddressInfo;
}
