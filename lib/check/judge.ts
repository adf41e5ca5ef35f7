import { MESSAGE_PREFIX } from '../pmu/splitter.js';
import { plural } from '../words.js';

/** What a judgement found: passed or not, and why, in one sentence a student acts on. */
export interface Judgement {
  ok: boolean;
  reason: string;
  /** A failure a loaded machine can cause (a timing window, a time limit): judged again before it stands. */
  timing?: boolean;
}

const MESSAGE = new RegExp(`${MESSAGE_PREFIX}(\\d+)(?!\\d)`, 'g');

/** A PMU session as a judge needs it: the command the emulator received and what it sent. */
export interface SentSession {
  command: string | null;
  messages: readonly string[];
}

/** One message found in the output: the line it is on and how many messages that line holds. */
interface Printed {
  message: string;
  line: number;
  text: string;
  onLine: number;
}

function printedMessages(output: string): Printed[] {
  return output.split(/\r?\n/).flatMap((text, index) => {
    const messages = [...text.matchAll(MESSAGE)].map((match) => match[0]);
    return messages.map((message) => ({ message, line: index + 1, text, onLine: messages.length }));
  });
}

const isFlood = (session: SentSession) => session.command === 'CMD_floodme';
const withoutSpace = (text: string) => text.replace(/\s+/g, '');

/**
 * Handout part 2 (and 5): "The client displays each such message from the server in a separate
 * line", and for CMD_floodme "receive the whole message … and display it". A run's output is
 * judged against every session the program opened, in order: a CMD_short session's messages each
 * on a line of their own (with any text around), in order; a flood's whole text (white space
 * aside: a client may print it read by read). A client that prints raw reads fails once messages
 * are split across or merged within reads. One judgement per session, and one for the whole
 * output (messages printed that no session sent).
 */
export function judgeSessionsOutput(output: string, sessions: readonly SentSession[]): { sessions: Judgement[]; extra: Judgement } {
  const printed = printedMessages(output);
  const squeezed = withoutSpace(output);
  let cursor = 0;
  let floodFrom = 0;
  const judgements = sessions.map((session): Judgement => {
    if (isFlood(session)) {
      const text = withoutSpace(session.messages.join(''));
      const at = text === '' ? -1 : squeezed.indexOf(text, floodFrom);
      if (at < 0) return { ok: false, reason: `the ${Buffer.byteLength(session.messages.join(''))}-byte flood is not printed whole` };
      floodFrom = at + text.length;
      return { ok: true, reason: `the whole ${Buffer.byteLength(session.messages.join(''))}-byte flood printed` };
    }
    const mine = printed.slice(cursor, cursor + session.messages.length);
    cursor += session.messages.length;
    for (const [index, message] of session.messages.entries()) {
      const got = mine[index];
      if (!got) return { ok: false, reason: `printed ${mine.length} of the ${session.messages.length} messages the server sent; "${message}" is not on a line of its own` };
      if (got.onLine > 1) return { ok: false, reason: `line ${got.line} holds ${got.onLine} messages (${JSON.stringify(got.text.slice(0, 80))}): each message must be on its own line` };
      if (got.message !== message) return { ok: false, reason: `message ${index + 1} should be "${message}", line ${got.line} shows "${got.message}" (a message split across reads?)` };
    }
    return { ok: true, reason: `all ${session.messages.length} messages, each on its own line` };
  });
  const sent = sessions.filter((session) => !isFlood(session)).reduce((total, session) => total + session.messages.length, 0);
  const extra: Judgement = printed.length > sent ? { ok: false, reason: `printed ${printed.length} messages, the server sent ${sent}` } : { ok: true, reason: 'no message printed twice or made up' };
  return { sessions: judgements, extra };
}

/** Handout part 3: "Use a timeout value of 1 sec … before retransmitting again." */
export const RETRANSMIT_MIN_MS = 700;
export const RETRANSMIT_MAX_MS = 2200;

/**
 * Gaps between a client's requests to one address as the server saw them, judged against the 1 s
 * timeout; `slackMs` widens the window by the scheduling delay measured on a loaded machine.
 */
export function judgeRetransmissions(requestTimes: readonly number[], slackMs = 0): Judgement {
  if (requestTimes.length < 2) return { ok: false, reason: `the server saw ${plural(requestTimes.length, 'request')}: no retransmission after a lost one` };
  const gaps = requestTimes.slice(1).map((at, index) => at - requestTimes[index]!);
  const shown = gaps.map((gap) => `${(gap / 1000).toFixed(2)} s`).join(', ');
  const tooShort = gaps.find((gap) => gap < RETRANSMIT_MIN_MS - slackMs);
  if (tooShort !== undefined) return { ok: false, reason: `retransmitted after ${shown}: faster than the 1 s timeout`, timing: true };
  const tooLong = gaps.find((gap) => gap > RETRANSMIT_MAX_MS + slackMs);
  if (tooLong !== undefined) return { ok: false, reason: `retransmitted after ${shown}: much slower than the 1 s timeout`, timing: true };
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
  return { ok: false, reason: `printed ${shown.length} of the ${broadcast.length} lines the channel sent while it ran (at least ${atLeast} expected)`, timing: true };
}
