import net from 'node:net';
import os from 'node:os';

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

/** An address of this machine that another machine could connect to. */
export interface MachineAddress {
  address: string;
  family: Family;
  iface: string;
}

/**
 * This machine's addresses beyond loopback. IPv6 link-local ones (fe80::/10) are left out: they
 * need the interface's scope, and a grader is not on the same link anyway.
 */
export function machineAddresses(): MachineAddress[] {
  return Object.entries(os.networkInterfaces()).flatMap(([iface, entries]) =>
    (entries ?? [])
      .filter((entry) => !entry.internal && !/^fe[89ab]/i.test(entry.address))
      .map((entry) => ({ address: entry.address, family: entry.family === 'IPv6' ? 'IPv6' : 'IPv4', iface }) as MachineAddress),
  );
}
