import { setTimeout as sleep } from 'node:timers/promises';
import { judgeReceiverOutput, judgeSenderDatagrams } from '../../../lib/check/judge.js';
import { trimmed } from '../../../lib/check/report.js';
import type { StudentHost } from '../../../lib/campus/network.js';
import { joinGroups } from '../../../lib/multicast.js';
import { CHANNEL_ID } from '../../../lib/tv.js';
import { PLAY } from '../../../services/lab/play.js';
import { TvChannel } from '../../../services/lab/tv-channel.js';

import { attemptsEvidence, clientVerdict, combine, type Context, type PartResult, outputEvidence, runAdapting, start, unlessFolderChanged } from './context.js';

/** The sender has its input at once: it sends and ends (or is stopped) well within this. */
const SENDER_TIMEOUT_MS = 5000;
/**
 * The long line first (over 300 characters, which the channel answers, Q22): a sender that sends
 * one line and exits (one run per line) still sends the line that matters; the short one after it.
 */
const SENDER_LINES = [
  'To be, or not to be, that is the question: whether tis nobler in the mind to suffer the slings and arrows of outrageous fortune, or to take arms against a sea of troubles and by opposing end them. To die, to sleep, no more; and by a sleep to say we end the heartache and the thousand natural shocks that flesh is heir to.',
  'Hello from socklab check',
];

interface Channel {
  broadcast: string[];
  others: Buffer[];
  replies: string[];
  close(): Promise<void>;
}

/**
 * The TV channel on its course host, faster than the course's (a line every 250 ms), and a member
 * of its group that records everything on it. Only what `from` sends counts as the program's: a
 * datagram from another part's student host is not this part's doing.
 */
async function tvChannel(context: Context, from?: StudentHost): Promise<Channel> {
  const { tv } = context.config.lab;
  const channel = new TvChannel({ ...tv, intervalMs: 250, lines: PLAY }, context.logger);
  const seen: Channel = { broadcast: [], others: [], replies: [], close: async () => undefined };
  const membership = await joinGroups({ groups: [tv.group], port: tv.port, iface: tv.iface }, ({ payload, address }) => {
    if (payload.subarray(0, 6).toString('latin1') !== CHANNEL_ID) {
      if (from === undefined || address === from.ipv4) seen.others.push(payload);
      return;
    }
    const text = payload.subarray(6).toString('utf8');
    (text.startsWith('Thank you ') ? seen.replies : seen.broadcast).push(text);
  });
  await channel.listen();
  seen.close = async () => {
    await channel.close();
    await membership.close();
  };
  return seen;
}

/** Part 4.1: the receiver listens while the channel broadcasts; it must print what was sent. */
export async function part4Receiver(context: Context): Promise<PartResult> {
  const startedAt = performance.now();
  const { tv } = context.config.lab;
  const listenMs = context.config.check.listenSeconds * 1000;
  const adapted = await runAdapting(context, 'part4-receiver', { group: tv.group, port: String(tv.port) }, async (call) => {
    const channel = await tvChannel(context);
    try {
      const program = start(context, 'part4-receiver', call.args, { stdin: call.stdin, timeoutMs: context.timeoutMs + listenMs });
      await Promise.race([sleep(listenMs), program.finished]);
      return { run: await program.stop(), contacted: false, result: channel.broadcast };
    } finally {
      await channel.close();
    }
  });
  const { run, result: broadcast } = adapted;
  const evidence = [attemptsEvidence('receiver', adapted.attempts), { label: 'the channel sent', text: trimmed(broadcast.join('\n'), 8) }, ...outputEvidence('receiver', run, context)];
  let content = judgeReceiverOutput(run.stdout, broadcast, 3);
  if (adapted.noConvention) content = { ok: false, reason: `${adapted.noConvention}; ${content.reason}` };
  // A receiver runs until stopped; one that crashed is told so, not that it printed too little.
  const judgement = clientVerdict(context, run, content, undefined, run.end === 'stopped');
  return combine('part4-receiver', [{ label: 'receiver', judgement, evidence }], startedAt);
}

/** Part 4.2: the sender gets lines on standard input, the long one first (over 300 characters, which the channel answers, Q22). */
export async function part4Sender(context: Context): Promise<PartResult> {
  const startedAt = performance.now();
  const { tv } = context.config.lab;
  const [id] = context.plan.camipro;
  const values = { group: tv.group, port: String(tv.port), lines: `${SENDER_LINES.join('\n')}\n`, ...(id ? { id } : {}) };
  const adapted = await runAdapting(context, 'part4-sender', values, async (call) => {
    const channel = await tvChannel(context, context.hostOf('part4-sender'));
    try {
      const run = await start(context, 'part4-sender', call.args, { stdin: call.stdin, timeoutMs: SENDER_TIMEOUT_MS }).finished;
      await sleep(300); // the channel's answer to the long line
      return { run, contacted: channel.others.length > 0, result: channel };
    } finally {
      await channel.close();
    }
  });
  const { run, result: channel } = adapted;
  const evidence = [
    attemptsEvidence('sender', adapted.attempts),
    { label: 'datagrams on the group (not the channel\'s)', text: trimmed(channel.others.map((payload) => JSON.stringify(payload.toString('utf8'))).join('\n'), 10) || 'none' },
    ...(channel.replies.length > 0 ? [{ label: 'the channel answered', text: channel.replies.join('\n') }] : []),
    ...outputEvidence('sender', run, context, SENDER_TIMEOUT_MS),
  ];
  let judgement = judgeSenderDatagrams(channel.others.map((payload) => ({ payload })), SENDER_LINES, context.plan.camipro);
  if (adapted.noConvention) judgement = { ok: false, reason: `${adapted.noConvention}; ${judgement.reason}` };
  judgement = unlessFolderChanged(judgement, run);
  if (!judgement.ok) judgement = { ...clientVerdict(context, run, judgement, SENDER_TIMEOUT_MS, true), timing: run.end === 'timed out' };
  if (judgement.ok && run.end !== 'exited') judgement = { ok: true, reason: `${judgement.reason}; note: it did not exit at the end of its input` };
  return combine('part4-sender', [{ label: 'sender', judgement, evidence }], startedAt);
}
