/**
 * The RESET exchange of the handout's part 3 (docs/PROTOCOLS.md §PMU over UDP): `RESET:n` asks the PMU to
 * advance its clock by n seconds; it answers `OFFSET=X` with 0 ≤ X ≤ n, or stays silent.
 */

const RESET_REQUEST = /^RESET:(\d{1,15})\r?\n?$/;
/** `OFFSET=X` as the handout shows; `OFFSET:X` as an earlier year's server answered. */
const OFFSET_REPLY = /^OFFSET[=:](\d{1,15})\r?\n?$/;

export type OffsetSeparator = '=' | ':';

export function formatResetRequest(n: number): string {
  return `RESET:${n}`;
}

/**
 * Why a datagram is not a RESET request, for the server's log and the checker's evidence. The
 * handout writes the command `RESET:20` and the course server compares it as it is, so the
 * emulator stays strict about case; a `Reset:20` is named as such.
 */
export function whyNotResetRequest(text: string, maxN: number): string {
  if (RESET_REQUEST.test(text.toUpperCase())) {
    return RESET_REQUEST.test(text) ? `n is above ${maxN}` : `"${text.trim()}" is not RESET:n: the command is upper case, as the handout writes it (RESET:20)`;
  }
  return 'not RESET:n';
}

/** n, or null when the datagram is not a RESET request with 0 ≤ n ≤ maxN. */
export function parseResetRequest(text: string, maxN: number): number | null {
  const match = RESET_REQUEST.exec(text);
  if (!match) return null;
  const n = Number(match[1]);
  return n <= maxN ? n : null;
}

export function formatOffsetReply(offset: number, separator: OffsetSeparator = '='): string {
  return `OFFSET${separator}${offset}`;
}

/** X, or null when the datagram is not a valid acknowledgement of RESET:n (0 ≤ X ≤ n). */
export function parseOffsetReply(text: string, n: number): number | null {
  const match = OFFSET_REPLY.exec(text);
  if (!match) return null;
  const offset = Number(match[1]);
  return offset <= n ? offset : null;
}
