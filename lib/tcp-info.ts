import { spawnSync } from 'node:child_process';
import type net from 'node:net';
import { formatHostPort } from './address.js';

export type SegmentCount = { segments: number; note?: undefined } | { segments: null; note: string };

/**
 * Segments with payload this socket received from its peer: the kernel's TCP_INFO
 * `tcpi_data_segs_in`, what Wireshark would count as "packets with payload length more than 0"
 * from the server (handout Q11, Q14, Q23). Read with `ss` while the socket still exists, so call
 * it after the peer's FIN and before closing our side. Synchronous on purpose: an 'end' listener
 * that runs it sees the connection before any other listener closes it.
 */
export function dataSegmentsIn(socket: net.Socket): SegmentCount {
  if (process.platform !== 'linux') return { segments: null, note: `TCP_INFO is not read on ${process.platform}` };
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (!localAddress || !localPort || !remoteAddress || !remotePort) return { segments: null, note: 'the socket is already closed' };
  const result = spawnSync(
    'ss',
    ['-tinH', 'state', 'all', 'src', formatHostPort(localAddress, localPort), 'dst', formatHostPort(remoteAddress, remotePort)],
    { encoding: 'utf8', timeout: 2000 },
  );
  if (result.error) return { segments: null, note: `ss (iproute2) is needed to read TCP_INFO: ${result.error.message}` };
  const match = /\bdata_segs_in:(\d+)/.exec(result.stdout);
  if (match) return { segments: Number(match[1]) };
  // The kernel leaves data_segs_in out while it is 0.
  if (/\bsegs_in:\d+/.test(result.stdout)) return { segments: 0 };
  return { segments: null, note: 'the connection was not found in TCP_INFO' };
}
