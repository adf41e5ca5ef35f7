import dgram from 'node:dgram';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Family } from '../../../lib/address.js';
import { resetExchange, resetSeries, resolveTargets } from '../../../lib/clients/reset.js';
import { startUdpEmulator } from '../../helpers.js';
import { closeSocket } from '../../../lib/listen.js';

const BOTH = [
  { address: '127.0.0.1', family: 'IPv4' as const },
  { address: '::1', family: 'IPv6' as const },
];

async function emulator(family: Family, dropProbability: number): Promise<number> {
  return (await startUdpEmulator({ family, dropProbability })).port;
}

/** A server on ::1 and 127.0.0.1 that answers through `reply`, for the cases the emulator never makes. */
async function scriptedServer(reply: (socket: dgram.Socket, request: number, peer: dgram.RemoteInfo) => void): Promise<number> {
  const socket = dgram.createSocket('udp4');
  let requests = 0;
  socket.on('message', (_message, peer) => reply(socket, ++requests, peer));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  onTestFinished(() => closeSocket(socket));
  return socket.address().port;
}

const exchange = { n: 20, timeoutMs: 100, maxRounds: 30 };

describe('dual-stack RESET client (part 3)', () => {
  it('finds the family the server runs on, with honest counts (packets = rounds × targets)', async () => {
    for (const family of ['IPv4', 'IPv6'] as const) {
      const port = await emulator(family, 0.5);
      const runs = await resetSeries({ ...exchange, targets: BOTH, port, runs: 12, concurrency: 4 });
      for (const run of runs) {
        expect(run).toMatchObject({ acknowledged: true, family, address: family === 'IPv4' ? '127.0.0.1' : '::1' });
        expect(run.offset).toBeGreaterThanOrEqual(0);
        expect(run.offset).toBeLessThanOrEqual(20);
        expect(run.packets).toBe(run.rounds * 2);
      }
      expect(runs.some((run) => run.rounds > 1)).toBe(true); // p = 0.5: some first rounds go unanswered
    }
  });

  it('gives up after max rounds when nobody answers', async () => {
    const port = await scriptedServer(() => undefined);
    const outcome = await resetExchange({ ...exchange, targets: BOTH, port, maxRounds: 3 });
    expect(outcome).toMatchObject({ acknowledged: false, offset: null, rounds: 3, packets: 6, aborted: false });
  });

  it('ignores answers from elsewhere, malformed ones and offsets above n, and counts them', async () => {
    const stranger = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => stranger.bind(0, '127.0.0.1', resolve));
    onTestFinished(() => closeSocket(stranger));
    const port = await scriptedServer((socket, request, peer) => {
      if (request === 1) {
        stranger.send('OFFSET=3', peer.port, peer.address); // right text, wrong source port
        socket.send('OFFSET=21', peer.port, peer.address); // above n
        socket.send('OFFSET=x', peer.port, peer.address);
      } else {
        socket.send('OFFSET=4', peer.port, peer.address);
      }
    });
    const outcome = await resetExchange({ ...exchange, targets: [BOTH[0]!], port });
    expect(outcome).toMatchObject({ acknowledged: true, offset: 4, rounds: 2, packets: 2, ignored: 3 });
  });

  it('takes a late answer to an earlier round as the acknowledgement', async () => {
    const port = await scriptedServer((socket, request, peer) => {
      if (request === 1) setTimeout(() => socket.send('OFFSET=9', peer.port, peer.address), 150);
    });
    const outcome = await resetExchange({ ...exchange, targets: [BOTH[0]!], port });
    expect(outcome).toMatchObject({ acknowledged: true, offset: 9, rounds: 2 });
  });

  it('stops early when aborted', async () => {
    const port = await scriptedServer(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const outcome = await resetExchange({ ...exchange, targets: BOTH, port, signal: controller.signal });
    expect(outcome).toMatchObject({ acknowledged: false, aborted: true, rounds: 2 });
  });

  it('resolves addresses as they are and names to all their addresses', async () => {
    const { targets, problems } = await resolveTargets(['::1', '127.0.0.1', 'localhost', 'no-such-host.invalid']);
    expect(targets.map((target) => target.address)).toEqual(expect.arrayContaining(['::1', '127.0.0.1']));
    expect(targets.every((target) => target.address === '::1' || target.address.startsWith('127.'))).toBe(true);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('cannot resolve no-such-host.invalid');
  });
});
