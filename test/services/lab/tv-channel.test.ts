import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { decodeTvDatagram, encodeTvDatagram } from '../../../lib/tv.js';
import { PLAY } from '../../../services/lab/play.js';
import { TvChannel } from '../../../services/lab/tv-channel.js';
import { closeAfter, memoryLogger, waitFor } from '../../helpers.js';
import { closeSocket, once } from '../../../lib/listen.js';

const GROUP = '224.1.1.1';

async function startChannel(intervalMs = 30) {
  const { logger } = memoryLogger('lab');
  const channel = closeAfter(
    new TvChannel(
      { group: GROUP, port: 0, iface: '127.0.0.1', ttl: 1, intervalMs, replyThreshold: 300, maxRepliesPerSecond: 3, receiveBufferBytes: 4 << 20, lines: PLAY },
      logger,
    ),
  );
  return { channel, port: (await channel.listen()).port };
}

/** A plain subscriber socket, joined on the loopback interface as the handout's receiver would. */
async function subscriber(port: number) {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true, recvBufferSize: 4 << 20 });
  const received: Buffer[] = [];
  socket.on('message', (message) => received.push(message));
  await new Promise<void>((resolve) => socket.bind(port, '0.0.0.0', resolve));
  socket.addMembership(GROUP, '127.0.0.1');
  socket.setMulticastInterface('127.0.0.1');
  socket.setMulticastTTL(1);
  return {
    received,
    send: (payload: Buffer) => new Promise<void>((resolve) => socket.send(payload, port, GROUP, () => resolve())),
    close: once(() => closeSocket(socket)),
  };
}

describe('multicast TV channel', () => {
  it('broadcasts the play, a line a datagram, with the channel ID', async () => {
    const { port } = await startChannel();
    const viewer = closeAfter(await subscriber(port));
    await waitFor('three lines of the play', () => viewer.received.length >= 3);
    const lines = viewer.received.map(decodeTvDatagram);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatchObject({ id: 'swcmTV', wellFormed: true });
    expect(PLAY).toContain(lines[0]!.text);
    expect(PLAY.indexOf(lines[1]!.text)).toBe((PLAY.indexOf(lines[0]!.text) + 1) % PLAY.length);
  });

  it('answers a subscriber message of more than 300 characters on the group, naming its ID', async () => {
    const { channel, port } = await startChannel(60_000);
    const viewer = closeAfter(await subscriber(port));
    await viewer.send(encodeTvDatagram('123456', 'x'.repeat(300)));
    await viewer.send(encodeTvDatagram('654321', 'O Romeo! '.repeat(39))); // 351 characters
    await waitFor('the channel\'s answer', () => viewer.received.some((message) => decodeTvDatagram(message).id === 'swcmTV'));
    const answers = viewer.received.map(decodeTvDatagram).filter((message) => message.id === 'swcmTV');
    expect(answers).toHaveLength(1);
    expect(answers[0]!.text).toContain('654321');
    expect(channel.counters).toMatchObject({ received: 2, replies: 1 });
  });

  it('answers one subscriber at most a few times a second, and shrugs off malformed datagrams', async () => {
    const { channel, port } = await startChannel(60_000);
    const viewer = closeAfter(await subscriber(port));
    await viewer.send(Buffer.from([1, 2]));
    await viewer.send(Buffer.concat([Buffer.from('abcdef'), Buffer.alloc(400, 0xff)]));
    for (let index = 0; index < 10; index += 1) await viewer.send(encodeTvDatagram('777777', 'y'.repeat(301)));
    await waitFor('12 datagrams handled', () => channel.counters.received >= 12); // counted as each is handled
    expect(channel.counters).toMatchObject({ received: 12, replies: 3, ignored: 7 });
  });

  it('answers every one of a burst of 1,000 long messages from 1,000 subscribers: none dropped in the kernel', async () => {
    const { channel, port } = await startChannel(60_000);
    const viewer = closeAfter(await subscriber(port));
    const long = 'O Romeo! '.repeat(40); // 360 characters
    await Promise.all(Array.from({ length: 1000 }, (_, index) => viewer.send(encodeTvDatagram(`s${String(index).padStart(5, '0')}`, long))));
    await waitFor('1,000 answers sent', () => channel.counters.replies >= 1000, 10_000);
    expect(channel.counters).toMatchObject({ received: 1000, replies: 1000, ignored: 0 });
    await waitFor('1,000 answers received', () => viewer.received.filter((message) => decodeTvDatagram(message).id === 'swcmTV').length >= 1000, 10_000);
    const answered = new Set(viewer.received.map(decodeTvDatagram).filter((message) => message.id === 'swcmTV').map((message) => message.text.split(' ')[2]));
    expect(answered.size).toBe(1000);
  });
});
