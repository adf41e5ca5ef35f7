/**
 * Splits the byte stream of CMD_short:d back into messages. The PMU sends "This is PMU data i"
 * with no delimiter (handout Q13), so a message is complete only when what follows its number is
 * known: the start of the next message, or the end of the stream. Exact for every segmentation:
 * a boundary may fall inside "This is", inside a number ("…data 1" | "2This…"), and one read may
 * carry many messages. Pure and incremental: feed text, get the messages completed so far.
 */

export const MESSAGE_PREFIX = 'This is PMU data ';

/** Longest run of unexpected text held back before it is reported in pieces. */
const MAX_HELD_UNEXPECTED = 4096;

export type StreamItem = { kind: 'message'; text: string } | { kind: 'unexpected'; text: string };

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** End of the leading "This is PMU data <digits>" of a text that starts with the prefix. */
function messageLength(text: string): number {
  let end = MESSAGE_PREFIX.length;
  while (end < text.length && isDigit(text.charCodeAt(end))) end += 1;
  return end;
}

export class PmuMessageSplitter {
  private pending = '';

  /** Items completed by this chunk, in stream order. */
  push(chunk: string): StreamItem[] {
    this.pending += chunk;
    return this.drain(false);
  }

  /** Items left at the end of the stream: the last message, or unexpected bytes. */
  end(): StreamItem[] {
    return this.drain(true);
  }

  private drain(atEnd: boolean): StreamItem[] {
    const items: StreamItem[] = [];
    for (;;) {
      const text = this.pending;
      if (text === '') return items;
      if (text.startsWith(MESSAGE_PREFIX)) {
        const end = messageLength(text);
        const hasNumber = end > MESSAGE_PREFIX.length;
        if (end === text.length && !atEnd) return items; // the number may go on in the next read
        if (hasNumber) {
          items.push({ kind: 'message', text: text.slice(0, end) });
          this.pending = text.slice(end);
          continue;
        }
      } else if (!atEnd && MESSAGE_PREFIX.startsWith(text)) {
        return items; // a message is starting; wait for the rest of its prefix
      }
      // Not a PMU message: everything up to the next message is one unexpected run. It is held
      // until that message (or EOF) shows where it ends, unless it grows past a bound.
      const next = text.indexOf(MESSAGE_PREFIX, 1);
      let cut = next;
      if (next === -1) {
        if (!atEnd && text.length <= MAX_HELD_UNEXPECTED) return items;
        cut = atEnd ? text.length : partialPrefixStart(text);
      }
      items.push({ kind: 'unexpected', text: text.slice(0, cut) });
      this.pending = text.slice(cut);
    }
  }
}

/** Where a possible, still incomplete, message prefix begins at the end of `text` (else its length). */
function partialPrefixStart(text: string): number {
  for (let start = Math.max(1, text.length - MESSAGE_PREFIX.length + 1); start < text.length; start += 1) {
    if (MESSAGE_PREFIX.startsWith(text.slice(start))) return start;
  }
  return text.length;
}
