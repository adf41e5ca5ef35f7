/**
 * Datagrams of the multicast TV channel (handout part 4, docs/PROTOCOLS.md §Multicast TV): a 6-byte sender
 * ID in ASCII (`swcmTV` for the channel, a CAMIPRO number for students) followed by UTF-8 text.
 */

export const ID_BYTES = 6;
export const CHANNEL_ID = 'swcmTV';

export interface TvDatagram {
  id: string;
  text: string;
  /** False when the datagram is shorter than an ID, the ID is not printable ASCII, or the text is not UTF-8. */
  wellFormed: boolean;
}

export function isSenderId(id: string): boolean {
  return /^[\x21-\x7e]{6}$/.test(id);
}

export function encodeTvDatagram(id: string, text: string): Buffer {
  if (!isSenderId(id)) throw new RangeError(`sender ID must be exactly ${ID_BYTES} printable ASCII characters, got "${id}"`);
  return Buffer.concat([Buffer.from(id, 'ascii'), Buffer.from(text, 'utf8')]);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeTvDatagram(payload: Buffer): TvDatagram {
  const id = payload.subarray(0, ID_BYTES).toString('latin1');
  const body = payload.subarray(ID_BYTES);
  let text: string;
  let textIsUtf8 = true;
  try {
    text = utf8.decode(body);
  } catch {
    text = body.toString('latin1');
    textIsUtf8 = false;
  }
  return { id, text, wellFormed: payload.length >= ID_BYTES && isSenderId(id) && textIsUtf8 };
}
