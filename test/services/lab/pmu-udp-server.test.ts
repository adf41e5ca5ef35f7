import dgram from 'node:dgram';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { Family } from '../../../lib/address.js';
import { parseOffsetReply } from '../../../lib/reset.js';
import { bindDatagram, closeSocket } from '../../../lib/listen.js';
import type { PmuUdpServer, PmuUdpServerOptions, ResetRequestRecord } from '../../../services/lab/pmu-udp-server.js';
import { startUdpEmulator, waitFor } from '../../helpers.js';

const ALL_DAY = (family: Family) => [{ from: '00:00', to: '24:00', family }];

function startServer(overrides: Partial<PmuUdpServerOptions> = {}) {
  return startUdpEmulator({ schedule: ALL_DAY('IPv4'), family: 'schedule', ...overrides });
}

/** Sends the requests; resolves once the server has read every one and every answer it sent has arrived. */
async function exchange(server: PmuUdpServer, family: Family, port: number, payloads: Array<string | Buffer>): Promise<string[]> {
  const { received, answered } = server.counters;
  const socket = dgram.createSocket(family === 'IPv4' ? 'udp4' : 'udp6');
  onTestFinished(() => closeSocket(socket));
  const replies: string[] = [];
  socket.on('message', (message) => replies.push(message.toString()));
  await bindDatagram(socket, { port: 0 });
  for (const payload of payloads) socket.send(payload, port, family === 'IPv4' ? '127.0.0.1' : '::1');
  await waitFor('the server to read every request', () => server.counters.received >= received + payloads.length);
  await waitFor('every answer', () => replies.length >= server.counters.answered - answered);
  return replies;
}

/** Whether the server holds the family's address and port (it binds exclusively): a free one is not served. */
async function serves(family: Family, port: number): Promise<boolean> {
  const socket = dgram.createSocket({ type: family === 'IPv4' ? 'udp4' : 'udp6', ipv6Only: family === 'IPv6' });
  try {
    await bindDatagram(socket, { address: family === 'IPv4' ? '127.0.0.1' : '::1', port, exclusive: true });
    return false;
  } catch {
    return true;
  } finally {
    await closeSocket(socket);
  }
}

describe('PMU UDP (RESET) emulator', () => {
  it('drops the first requests when told (dropFirst), then answers, and hands a judge each request typed', async () => {
    const records: ResetRequestRecord[] = [];
    const { server, port } = await startServer({ dropFirst: 2, onRequest: (record) => records.push(record) });
    const replies = await exchange(server, 'IPv4', port, ['RESET:20', 'RESET:20', 'RESET:20', 'nonsense']);
    expect(replies).toHaveLength(1);
    expect(records.map(({ family, n, reply }) => ({ family, n, answered: reply !== null }))).toEqual([
      { family: 'IPv4', n: 20, answered: false },
      { family: 'IPv4', n: 20, answered: false },
      { family: 'IPv4', n: 20, answered: true },
    ]);
    expect(records[2]!.reply).toBe(replies[0]);
    expect(records[0]!.at).toBeLessThanOrEqual(records[2]!.at);
  });

  it('answers RESET:n with OFFSET=X, 0 ≤ X ≤ n, to the sender', async () => {
    const { port, server } = await startServer();
    const replies = await exchange(server, 'IPv4', port, Array.from({ length: 50 }, () => 'RESET:20'));
    expect(replies).toHaveLength(50);
    for (const reply of replies) {
      const offset = parseOffsetReply(reply, 20);
      expect(offset).not.toBeNull();
    }
    expect(new Set(replies).size).toBeGreaterThan(5);
    expect(server.counters).toMatchObject({ received: 50, answered: 50, dropped: 0 });
  });

  it('stays silent with probability p', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8]; // drop when the first draw of a request is below p = 0.5
    let index = 0;
    const { port, server } = await startServer({ dropProbability: 0.5, random: () => draws[index++ % draws.length]! });
    const replies = await exchange(server, 'IPv4', port, ['RESET:20', 'RESET:20']);
    expect(replies).toHaveLength(1);
    expect(server.counters).toMatchObject({ received: 2, answered: 1, dropped: 1 });
    const silent = await startServer({ dropProbability: 1 });
    expect(await exchange(silent.server, 'IPv4', silent.port, ['RESET:20', 'RESET:20'])).toEqual([]);
  });

  it('ignores and counts malformed datagrams, and goes on answering', async () => {
    const { port, server, lines } = await startServer();
    const replies = await exchange(server, 'IPv4', port, ['RESET:', 'RESET:-1', 'RESET:1001', 'reset:20', Buffer.from([0, 255, 1]), '', 'RESET:20']);
    expect(replies).toHaveLength(1);
    expect(server.counters).toMatchObject({ malformed: 6, answered: 1 });
    const ignored = lines().filter((line) => line.message === 'malformed request ignored');
    expect(ignored).toHaveLength(6);
    // Strict about case, as the handout writes the command, and the log says so (the checker's evidence).
    expect(ignored.map((line) => line.reason)).toContain('"reset:20" is not RESET:n: the command is upper case, as the handout writes it (RESET:20)');
    expect(ignored.map((line) => line.reason)).toContain('n is above 1000');
  });

  it('answers OFFSET:X with lab.pmuUdp.offsetSeparator ":", as an earlier year\'s server; the client reads both', async () => {
    const { port, server } = await startServer({ offsetSeparator: ':' });
    const replies = await exchange(server, 'IPv4', port, ['RESET:20']);
    expect(replies[0]).toMatch(/^OFFSET:\d+$/);
    expect(parseOffsetReply(replies[0]!, 20)).toBe(Number(replies[0]!.slice('OFFSET:'.length)));
  });

  it('answers on exactly one family when one is forced', async () => {
    for (const family of ['IPv4', 'IPv6'] as const) {
      const { port, server } = await startServer({ family, schedule: ALL_DAY(family === 'IPv4' ? 'IPv6' : 'IPv4') });
      expect(server.family).toBe(family);
      const other = family === 'IPv4' ? 'IPv6' : 'IPv4';
      expect(await exchange(server, family, port, ['RESET:20'])).toHaveLength(1);
      expect(await serves(other, port)).toBe(false);
    }
  });

  it('switches family exactly at a window boundary, on the same port', async () => {
    // Time of day is the subject: vitest's fake clock, moved by the test alone.
    vi.useFakeTimers({ now: new Date(2026, 10, 27, 13, 59, 59, 900), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const schedule = [
      { from: '00:00', to: '14:00', family: 'IPv4' as const },
      { from: '14:00', to: '24:00', family: 'IPv6' as const },
    ];
    const { port, server, lines } = await startServer({ schedule });
    expect(server.family).toBe('IPv4');
    expect(await exchange(server, 'IPv4', port, ['RESET:20'])).toHaveLength(1);
    expect(await serves('IPv6', port)).toBe(false);

    await vi.advanceTimersByTimeAsync(99); // one millisecond before the boundary: no switch is due
    expect(server.family).toBe('IPv4');
    await vi.advanceTimersByTimeAsync(1);
    await waitFor('the switch to IPv6', () => server.family === 'IPv6');
    expect(await exchange(server, 'IPv6', port, ['RESET:20'])).toHaveLength(1);
    expect(await serves('IPv4', port)).toBe(false);
    expect(lines().find((line) => line.message === 'family switched')).toMatchObject({
      from: 'IPv4',
      to: 'IPv6',
      at: new Date(2026, 10, 27, 14, 0).toISOString(),
    });
  });
});
