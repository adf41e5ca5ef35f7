/**
 * The CMD_floodme text: a multi-line text of an exact size, generated from a seed so that a
 * client can check it received every byte, and fast enough to make hundreds of MiB.
 */

const WORDS = (
  'phasor measurement unit grid frequency voltage current angle sample window stream socket packet ' +
  'segment buffer kernel window acknowledgement sequence concentrator substation feeder breaker ' +
  'relay clock offset reset datagram multicast channel handshake certificate cipher record ' +
  'payload header checksum latency jitter throughput congestion slow start retransmission timer'
).split(' ');

/** mulberry32: small, fast and good enough to vary words; not for cryptography. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(random: () => number): string {
  const count = 6 + Math.floor(random() * 8);
  const words = Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  const text = words.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}

/** `size` bytes of lines "Line 00000001: Some words.\n"; the last line is cut to fit and ends with "\n". */
export function floodText(size: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const pool = Array.from({ length: 256 }, () => Buffer.from(sentence(random)));
  const text = Buffer.allocUnsafe(size);
  let offset = 0;
  let line = 1;
  while (offset < size) {
    offset += text.write(`Line ${String(line).padStart(8, '0')}: `, offset, 'latin1');
    if (offset < size) offset += pool[Math.floor(random() * pool.length)]!.copy(text, offset);
    if (offset < size) text[offset++] = 0x0a;
    line += 1;
  }
  text[size - 1] = 0x0a;
  return text;
}
