import { spawnSync } from 'node:child_process';
import type net from 'node:net';
import { formatHostPort } from './address.js';

export type SegmentCounts = { in: number; out: number; note?: undefined } | { in: null; out: null; note: string };
export type SegmentCount = { segments: number; note?: undefined } | { segments: null; note: string };

/**
 * Segments with payload this socket received from and sent to its peer: the kernel's TCP_INFO
 * `tcpi_data_segs_in` / `tcpi_data_segs_out`, what Wireshark would count as "packets with
 * payload length more than 0" (handout Q11, Q14, Q23, Q26). Read with `ss` while the socket
 * still exists, so call it after the peer's FIN and before closing our side. Synchronous on
 * purpose: an 'end' listener that runs it sees the connection before anything else closes it.
 */
export function dataSegments(socket: net.Socket): SegmentCounts {
  if (process.platform !== 'linux') return { in: null, out: null, note: `TCP_INFO is not read on ${process.platform}` };
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (!localAddress || !localPort || !remoteAddress || !remotePort) return { in: null, out: null, note: 'the socket is already closed' };
  const result = spawnSync(
    'ss',
    ['-tinH', 'state', 'all', 'src', formatHostPort(localAddress, localPort), 'dst', formatHostPort(remoteAddress, remotePort)],
    { encoding: 'utf8', timeout: 2000 },
  );
  if (result.error) return { in: null, out: null, note: `ss (iproute2) is needed to read TCP_INFO: ${result.error.message}` };
  if (!/\bsegs_in:\d+/.test(result.stdout)) return { in: null, out: null, note: 'the connection was not found in TCP_INFO' };
  // The kernel leaves a data_segs_* field out while it is 0.
  const count = (field: string) => Number(new RegExp(`\\b${field}:(\\d+)`).exec(result.stdout)?.[1] ?? 0);
  return { in: count('data_segs_in'), out: count('data_segs_out') };
}

/** Segments with payload received from the peer (see `dataSegments`). */
export function dataSegmentsIn(socket: net.Socket): SegmentCount {
  const counts = dataSegments(socket);
  return counts.in === null ? { segments: null, note: counts.note } : { segments: counts.in };
}
