import net from 'node:net';

/** "127.0.0.1:5003" or "[::1]:5003". */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export type Family = 'IPv4' | 'IPv6';

export const FAMILIES: readonly Family[] = ['IPv4', 'IPv6'];

export function familyOf(address: string): Family | null {
  const version = net.isIP(address);
  return version === 4 ? 'IPv4' : version === 6 ? 'IPv6' : null;
}

/** The remote end of a connection, for logs: "127.0.0.1:40000" or "[::1]:40000". */
export function peerOf(socket: net.Socket): string {
  return formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
}
