import { describe, expect, it } from 'vitest';
import { judgeReceiverOutput, judgeRetransmissions, judgeSenderDatagrams, judgeSessionsOutput } from '../../../lib/check/judge.js';

const sent = ['This is PMU data 1', 'This is PMU data 2', 'This is PMU data 3'];

/** The judgement of the one session of a run that opened one. */
function judgeOne(output: string, messages: readonly string[]) {
  const judged = judgeSessionsOutput(output, [{ command: 'CMD_short:0', messages }]);
  return judged.extra.ok ? judged.sessions[0]! : judged.extra;
}

describe('judgeSessionsOutput', () => {
  it('passes one message a line, with any text around it', () => {
    expect(judgeOne('This is PMU data 1\nThis is PMU data 2\r\nThis is PMU data 3\n', sent).ok).toBe(true);
    expect(judgeOne('got: This is PMU data 1\ngot: This is PMU data 2\ngot: This is PMU data 3\ndone\n', sent).ok).toBe(true);
  });

  it('fails merged messages, split ones and missing ones, saying where', () => {
    expect(judgeOne('This is PMU data 1This is PMU data 2\nThis is PMU data 3\n', sent)).toEqual({
      ok: false,
      reason: 'line 1 holds 2 messages ("This is PMU data 1This is PMU data 2"): each message must be on its own line',
    });
    expect(judgeOne('This is PMU data 1\nThis is PM\nU data 2\nThis is PMU data 3\n', sent).reason).toBe(
      'message 2 should be "This is PMU data 2", line 4 shows "This is PMU data 3" (a message split across reads?)',
    );
    expect(judgeOne('This is PMU data 1\n', sent).reason).toBe('printed 1 of the 3 messages the server sent; "This is PMU data 2" is not on a line of its own');
    expect(judgeOne(`${sent.join('\n')}\nThis is PMU data 4\n`, sent).reason).toBe('printed 4 messages, the server sent 3');
  });

  it('tells message 1 from message 12 split after its first digit', () => {
    const twelve = Array.from({ length: 12 }, (_, index) => `This is PMU data ${index + 1}`);
    const printed = [...twelve.slice(0, 11), 'This is PMU data 1', '2'].join('\n');
    expect(judgeOne(printed, twelve).reason).toMatch(/message 12 should be "This is PMU data 12", line 12 shows "This is PMU data 1"/);
  });

  it('judges each session of a run in order: CMD_short:0, then CMD_short:1, then the flood printed read by read', () => {
    const flood = 'Line 00000001: Phasor grid.\nLine 00000002: Socket kernel window.\n';
    const sessions = [
      { command: 'CMD_short:0', messages: sent },
      { command: 'CMD_short:1', messages: sent.slice(0, 2) },
      { command: 'CMD_floodme', messages: [flood] },
    ];
    const output = `${sent.join('\n')}\nnow with a delay\n${sent.slice(0, 2).join('\n')}\n${flood.slice(0, 20)}\n${flood.slice(20)}`;
    const judged = judgeSessionsOutput(output, sessions);
    expect(judged.sessions.map((judgement) => judgement.reason)).toEqual(['all 3 messages, each on its own line', 'all 2 messages, each on its own line', 'the whole 65-byte flood printed']);
    expect(judged.extra.ok).toBe(true);
    const short = judgeSessionsOutput(`${sent.join('\n')}\nThis is PMU data 1\n${flood.slice(0, 30)}`, sessions);
    expect(short.sessions.map((judgement) => judgement.ok)).toEqual([true, false, false]);
    expect(short.sessions[2]!.reason).toBe('the 65-byte flood is not printed whole');
  });
});

describe('judgeRetransmissions', () => {
  it('wants about 1 s between retransmissions', () => {
    expect(judgeRetransmissions([0, 1000, 2003])).toEqual({ ok: true, reason: 'retransmitted after 1.00 s, 1.00 s' });
    expect(judgeRetransmissions([0, 10, 20]).reason).toBe('retransmitted after 0.01 s, 0.01 s: faster than the 1 s timeout');
    expect(judgeRetransmissions([0, 5000]).reason).toBe('retransmitted after 5.00 s: much slower than the 1 s timeout');
    expect(judgeRetransmissions([0]).ok).toBe(false);
    // On a loaded machine the window widens by the scheduling delay measured during the run.
    expect(judgeRetransmissions([0, 2500], 400).ok).toBe(true);
  });
});

describe('judgeSenderDatagrams', () => {
  const lines = ['hello', 'a longer line'];
  const datagram = (text: string) => ({ payload: Buffer.from(text) });
  it('wants the 6-digit ID before each line', () => {
    expect(judgeSenderDatagrams([datagram('123456hello'), datagram('123456a longer line\n')], lines, ['123456', '654321']).ok).toBe(true);
    expect(judgeSenderDatagrams([datagram('hello'), datagram('a longer line')], lines, []).reason).toBe('the datagram carries the text without the 6-byte ID in front (it starts "hello")');
    expect(judgeSenderDatagrams([datagram('swcmTVhello'), datagram('swcmTVa longer line')], lines, []).reason).toBe('the first 6 bytes are "swcmTV", not a 6-digit CAMIPRO number');
    expect(judgeSenderDatagrams([], lines, []).reason).toBe('no datagram reached the group 224.1.1.1:5005');
    expect(judgeSenderDatagrams([datagram('999999hello'), datagram('999999a longer line')], lines, ['123456']).reason).toMatch(/ID 999999 is not one of the group's CAMIPRO numbers/);
  });

  it('accepts a sender of one line per run: the first line (the long one) sent, the rest noted', () => {
    const sent = judgeSenderDatagrams([datagram('123456hello')], lines, ['123456']);
    expect(sent).toEqual({ ok: true, reason: '2 lines of standard input, each as ID + text; line 2 of its input was not sent (a sender of one line per run)' });
    expect(judgeSenderDatagrams([datagram('123456a longer line')], lines, []).reason).toBe('no datagram carries the line "hello" after a 6-byte ID');
  });
});

describe('judgeReceiverOutput', () => {
  it('wants a few of the channel\'s lines printed', () => {
    const broadcast = ['To be', 'or not to be', 'that is the question', 'whether tis nobler'];
    expect(judgeReceiverOutput('swcmTV To be\nswcmTV or not to be\nswcmTV that is the question\n', broadcast, 3).ok).toBe(true);
    expect(judgeReceiverOutput('nothing\n', broadcast, 3).reason).toBe('printed 0 of the 4 lines the channel sent while it ran (at least 3 expected)');
  });
});
