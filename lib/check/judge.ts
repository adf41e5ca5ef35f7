import { MESSAGE_PREFIX } from '../pmu/splitter.js';
import { plural } from '../words.js';

/** What a judgement found: passed or not, and why, in one sentence a student acts on. */
export interface Judgement {
  ok: boolean;
  reason: string;
}

const MESSAGE = new RegExp(`${MESSAGE_PREFIX}(\\d+)(?!\\d)`, 'g');

/**
 * Handout part 2 (and 5): "The client displays each such message from the server in a separate
 * line." Each line may hold at most one whole message (with any text around it); the messages
 * found, in order, must be exactly those the server sent. A client that prints raw reads fails
 * once messages are split across or merged within reads.
 */
export function judgeMessageLines(output: string, sent: readonly string[]): Judgement {
  const printed: Array<{ message: string; line: number }> = [];
  const lines = output.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const messages = [...line.matchAll(MESSAGE)].map((match) => match[0]);
    if (messages.length > 1) {
      return { ok: false, reason: `line ${index + 1} holds ${messages.length} messages (${JSON.stringify(line.slice(0, 80))}): each message must be on its own line` };
    }
    if (messages.length === 1) printed.push({ message: messages[0]!, line: index + 1 });
  }
  for (const [index, message] of sent.entries()) {
    const got = printed[index];
    if (!got) {
      return { ok: false, reason: `printed ${printed.length} of the ${sent.length} messages the server sent; "${message}" is not on a line of its own` };
    }
    if (got.message !== message) {
      return { ok: false, reason: `message ${index + 1} should be "${message}", line ${got.line} shows "${got.message}" (a message split across reads?)` };
    }
  }
  if (printed.length > sent.length) {
    return { ok: false, reason: `printed ${printed.length} messages, the server sent ${sent.length}` };
  }
  return { ok: true, reason: `all ${sent.length} messages, each on its own line` };
}

/** Handout part 3: "Use a timeout value of 1 sec … before retransmitting again." */
export const RETRANSMIT_MIN_MS = 700;
export const RETRANSMIT_MAX_MS = 2200;

/** Gaps between a client's requests to one address as the server saw them, judged against the 1 s timeout. */
export function judgeRetransmissions(requestTimes: readonly number[]): Judgement {
  if (requestTimes.length < 2) return { ok: false, reason: `the server saw ${plural(requestTimes.length, 'request')}: no retransmission after a lost one` };
  const gaps = requestTimes.slice(1).map((at, index) => at - requestTimes[index]!);
  const shown = gaps.map((gap) => `${(gap / 1000).toFixed(2)} s`).join(', ');
  const tooShort = gaps.find((gap) => gap < RETRANSMIT_MIN_MS);
  if (tooShort !== undefined) return { ok: false, reason: `retransmitted after ${shown}: faster than the 1 s timeout` };
  const tooLong = gaps.find((gap) => gap > RETRANSMIT_MAX_MS);
  if (tooLong !== undefined) return { ok: false, reason: `retransmitted after ${shown}: much slower than the 1 s timeout` };
  return { ok: true, reason: `retransmitted after ${shown}` };
}

export interface GroupDatagram {
  payload: Buffer;
}

/** A line as a sender may have sent it: with or without its end of line. */
function sameText(sent: string, line: string): boolean {
  return sent.replace(/\r?\n$/, '') === line;
}

/**
 * Handout part 4.2: "the UDP packets should contain in the first 6 bytes a CAMIPRO number
 * identifying the source (e.g., b'123456'), followed by the text you write in the standard input."
 */
export function judgeSenderDatagrams(datagrams: readonly GroupDatagram[], lines: readonly string[], camipro: readonly string[]): Judgement {
  if (datagrams.length === 0) return { ok: false, reason: 'no datagram reached the group 224.1.1.1:5005' };
  const decoded = datagrams.map(({ payload }) => ({ id: payload.subarray(0, 6).toString('latin1'), text: payload.subarray(6).toString('utf8'), whole: payload.toString('utf8') }));
  const notes: string[] = [];
  for (const [index, line] of lines.entries()) {
    const match = decoded.find((datagram) => sameText(datagram.text, line));
    if (!match && index > 0) {
      // A sender that takes one line per run sent the first, which is the one the handout asks for (Q22).
      notes.push(`line ${index + 1} of its input was not sent (a sender of one line per run)`);
      continue;
    }
    if (!match) {
      if (decoded.some((datagram) => sameText(datagram.whole, line))) {
        return { ok: false, reason: `the datagram carries the text without the 6-byte ID in front (it starts ${JSON.stringify(line.slice(0, 6))})` };
      }
      return { ok: false, reason: `no datagram carries the line ${JSON.stringify(line.slice(0, 40))}${line.length > 40 ? '…' : ''} after a 6-byte ID` };
    }
    if (!/^\d{6}$/.test(match.id)) return { ok: false, reason: `the first 6 bytes are ${JSON.stringify(match.id)}, not a 6-digit CAMIPRO number` };
    if (camipro.length > 0 && !camipro.includes(match.id)) notes.push(`ID ${match.id} is not one of the group's CAMIPRO numbers (${camipro.join(', ')})`);
  }
  return { ok: true, reason: [`${plural(lines.length, 'line')} of standard input, each as ID + text`, ...notes].join('; ') };
}

/** Handout part 4.1: the receiver "displays the exchanged multicast messages". */
export function judgeReceiverOutput(output: string, broadcast: readonly string[], atLeast: number): Judgement {
  if (broadcast.length === 0) return { ok: false, reason: 'the channel sent nothing while the receiver ran' };
  const shown = broadcast.filter((text) => output.includes(text));
  if (shown.length >= Math.min(atLeast, broadcast.length)) {
    return { ok: true, reason: `printed ${shown.length} of the ${broadcast.length} lines the channel sent while it ran` };
  }
  return { ok: false, reason: `printed ${shown.length} of the ${broadcast.length} lines the channel sent while it ran (at least ${atLeast} expected)` };
}
