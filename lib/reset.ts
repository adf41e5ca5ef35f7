/**
 * The RESET exchange of the handout's part 3 (docs/PROTOCOLS.md §PMU over UDP): `RESET:n` asks the PMU to
 * advance its clock by n seconds; it answers `OFFSET=X` with 0 ≤ X ≤ n, or stays silent.
 */

const RESET_REQUEST = /^RESET:(\d{1,15})\r?\n?$/;
const OFFSET_REPLY = /^OFFSET=(\d{1,15})\r?\n?$/;

export function formatResetRequest(n: number): string {
  return `RESET:${n}`;
}

/** n, or null when the datagram is not a RESET request with 0 ≤ n ≤ maxN. */
export function parseResetRequest(text: string, maxN: number): number | null {
  const match = RESET_REQUEST.exec(text);
  if (!match) return null;
  const n = Number(match[1]);
  return n <= maxN ? n : null;
}

export function formatOffsetReply(offset: number): string {
  return `OFFSET=${offset}`;
}

/** X, or null when the datagram is not a valid acknowledgement of RESET:n (0 ≤ X ≤ n). */
export function parseOffsetReply(text: string, n: number): number | null {
  const match = OFFSET_REPLY.exec(text);
  if (!match) return null;
  const offset = Number(match[1]);
  return offset <= n ? offset : null;
}
