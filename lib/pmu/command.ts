/**
 * The PMU commands of the handout's part 2 (docs/PROTOCOLS.md §PMU over TCP), shared by the TCP, TLS and
 * WebSocket servers and by the clients. Pure functions over strings and buffers.
 */

export type PmuCommand = { kind: 'short'; intervalSeconds: number } | { kind: 'flood' };

export type ParsedCommand = { ok: true; command: PmuCommand; text: string } | { ok: false; reason: string };

export const FLOOD_COMMAND = 'CMD_floodme';
const SHORT_PREFIX = 'CMD_short:';
/** A plain decimal: no sign, no exponent, so "-1" and "1e99" are refused by form, not by value. */
const INTERVAL = /^(\d+(\.\d*)?|\.\d+)$/;

export function pmuMessage(index: number): string {
  return `This is PMU data ${index}`;
}

export function parsePmuCommand(text: string, maxIntervalSeconds: number): ParsedCommand {
  const command = text.replace(/\r?\n$/, '');
  if (command === '') return { ok: false, reason: 'empty command' };
  if (command === FLOOD_COMMAND) return { ok: true, command: { kind: 'flood' }, text: command };
  if (command.startsWith(SHORT_PREFIX)) {
    const interval = command.slice(SHORT_PREFIX.length);
    if (!INTERVAL.test(interval)) {
      return { ok: false, reason: `interval "${interval}" is not a non-negative number of seconds (CMD_short:d, e.g. CMD_short:0 or CMD_short:0.5)` };
    }
    const intervalSeconds = Number(interval);
    if (intervalSeconds > maxIntervalSeconds) {
      return { ok: false, reason: `interval ${interval} s exceeds the maximum of ${maxIntervalSeconds} s` };
    }
    return { ok: true, command: { kind: 'short', intervalSeconds }, text: command };
  }
  const upper = command.toUpperCase();
  if (upper === FLOOD_COMMAND.toUpperCase() || upper.startsWith(SHORT_PREFIX.toUpperCase())) {
    return { ok: false, reason: `unknown command "${command}": commands are case-sensitive (CMD_short:d or ${FLOOD_COMMAND}, as the handout writes them)` };
  }
  return { ok: false, reason: `unknown command "${command}" (expected CMD_short:d or ${FLOOD_COMMAND})` };
}

/** Commands are printable ASCII; a trailing CR/LF is allowed. */
export function isCommandText(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if ((byte < 0x20 || byte > 0x7e) && byte !== 0x0a && byte !== 0x0d) return false;
  }
  return true;
}

export type ReaderState =
  | { state: 'pending' }
  | { state: 'complete'; bytes: Buffer }
  | { state: 'too-long' };

/**
 * Collects a command from a byte stream. The handout's clients send it without a newline and
 * then wait, so the caller also completes it at EOF or after a quiet gap (`take()`).
 */
export class CommandReader {
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): ReaderState {
    const newline = chunk.indexOf(0x0a);
    const kept = newline === -1 ? chunk : chunk.subarray(0, newline);
    this.chunks.push(kept);
    this.length += kept.length;
    if (this.length > this.maxBytes) return { state: 'too-long' };
    return newline === -1 ? { state: 'pending' } : { state: 'complete', bytes: this.take() };
  }

  get buffered(): number {
    return this.length;
  }

  take(): Buffer {
    const bytes = Buffer.concat(this.chunks);
    this.chunks = [];
    this.length = 0;
    return bytes;
  }
}
