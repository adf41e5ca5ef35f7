import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runPdc } from '../../../lib/clients/pdc.js';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { floodText } from '../../../lib/pmu/flood.js';
import type { PmuSessionRecord } from '../../../lib/pmu/sessions.js';
import { PmuTcpServer, type PmuTcpServerOptions } from '../../../services/lab/pmu-tcp-server.js';
import { closeAfter, memoryLogger, pmuTestOptions, tcpExchange, waitFor } from '../../helpers.js';

const FLOOD = floodText(256 * 1024, 3);

async function startServer(overrides: Partial<PmuTcpServerOptions> = {}) {
  const { logger, lines } = memoryLogger('lab');
  const server = closeAfter(
    new PmuTcpServer(
      { ...pmuTestOptions(FLOOD), host: '127.0.0.1', port: 0, messagesMin: 6, messagesMax: 6, idleTimeoutMs: 500, maxConnections: 100, lingerMs: 1000, drainMs: 200, ...overrides },
      logger,
    ),
  );
  const { port } = await server.listen();
  return { server, port, lines };
}

const SIX_MESSAGES = [1, 2, 3, 4, 5, 6].map(pmuMessage).join('');

describe('PMU TCP emulator', () => {
  it('answers CMD_short:0 (no newline, as the handout sends it) with n undelimited messages, then closes', async () => {
    const { port, lines } = await startServer();
    const { data } = await tcpExchange(port, 'CMD_short:0');
    expect(data.toString()).toBe(SIX_MESSAGES);
    expect(await waitFor('the session line', () => lines().find((line) => line.message === 'session'))).toMatchObject({
      command: 'CMD_short:0',
      outcome: 'answered',
      messages: 6,
      bytes: SIX_MESSAGES.length,
    });
  });

  it('hands a judge one typed record per connection: the command, each message, the flood whole, one without a command too', async () => {
    const records: PmuSessionRecord[] = [];
    const { port } = await startServer({ onSession: (record) => records.push(record), sliceBytes: 7, sliceGapMs: 0, sliceFlood: false });
    await tcpExchange(port, 'CMD_short:0');
    await tcpExchange(port, 'CMD_floodme');
    await tcpExchange(port, '');
    await waitFor('three records', () => records.length === 3);
    expect(records.map(({ command, outcome, messages, bytes }) => ({ command, outcome, messages: messages.length, bytes }))).toEqual([
      { command: 'CMD_short:0', outcome: 'answered', messages: 6, bytes: SIX_MESSAGES.length },
      { command: 'CMD_floodme', outcome: 'answered', messages: 1, bytes: FLOOD.length },
      { command: null, outcome: 'error: no command within 0.5 s', messages: 0, bytes: 0 },
    ]);
    expect(records[0]!.messages).toEqual([1, 2, 3, 4, 5, 6].map(pmuMessage));
    expect(records[1]!.messages[0]).toBe(FLOOD.toString('utf8'));
    expect(records[0]!.startedAt).toBeLessThanOrEqual(records[1]!.startedAt);
  });

  it('accepts a trailing newline, and a client that shuts down its side after the command', async () => {
    const { port } = await startServer();
    expect((await tcpExchange(port, 'CMD_short:0\n')).data.toString()).toBe(SIX_MESSAGES);
    const halfClosed = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end('CMD_short:0'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(text));
    });
    expect(halfClosed).toBe(SIX_MESSAGES);
  });

  it('answers CMD_short:d with its messages in order, then closes (the spacing itself: test/lib/pmu/responder.test.ts, with fake time)', async () => {
    const { port } = await startServer({ messagesMin: 3, messagesMax: 3 });
    const { data, reads } = await tcpExchange(port, 'CMD_short:0.1');
    expect(data.toString()).toBe([1, 2, 3].map(pmuMessage).join(''));
    expect(reads).toBeGreaterThanOrEqual(1);
  });

  it('sends the flood whole, in one write, then closes', async () => {
    const { port } = await startServer();
    const { data } = await tcpExchange(port, 'CMD_floodme');
    expect(data.equals(FLOOD)).toBe(true);
  });

  it.each([
    ['CMD_short:-1', 'CMD_short:-1', 'ERROR: interval "-1" is not a non-negative number'],
    ['CMD_short:abc', 'CMD_short:abc', 'ERROR: interval "abc" is not a non-negative number'],
    ['CMD_short:1e99', 'CMD_short:1e99', 'ERROR: interval "1e99" is not a non-negative number'],
    ['CMD_short:99', 'CMD_short:99', 'ERROR: interval 99 s exceeds the maximum of 10 s'],
    ['an HTTP request', 'GET / HTTP/1.1\r\n', 'ERROR: unknown command "GET / HTTP/1.1"'],
    ['another case', 'cmd_short:0', 'ERROR: unknown command "cmd_short:0": commands are case-sensitive'],
    ['binary', Buffer.from([0x00, 0x01, 0xfe, 0xff]), 'ERROR: command is not text'],
    ['100 kB of garbage', Buffer.alloc(100_000, 0x61), 'ERROR: command longer than 64 bytes'],
    ['an empty line', '\n', 'ERROR: empty command'],
  ])('answers %s with one ERROR line and a close, then still serves', async (_label, payload, expected) => {
    const { port } = await startServer();
    const { data } = await tcpExchange(port, payload);
    const text = data.toString();
    expect(text.startsWith(expected)).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
    expect((await tcpExchange(port, 'CMD_short:0')).data.toString()).toBe(SIX_MESSAGES);
  });

  it('answers a silent client after the idle timeout', async () => {
    const { port } = await startServer({ idleTimeoutMs: 150 });
    const { data } = await tcpExchange(port, Buffer.alloc(0));
    expect(data.toString()).toBe('ERROR: no command within 0.15 s\n');
  });

  it('survives clients that vanish mid-answer, and refuses connections past the limit', async () => {
    const { port, server, lines } = await startServer({ maxConnections: 2, messagesMin: 3, messagesMax: 3 });
    const finished = (socket: net.Socket) => new Promise((resolve) => socket.once('close', resolve));
    // Two sessions under way: each has its command answered (the first message comes at once).
    const held = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write('CMD_short:0.15'));
            socket.on('error', () => undefined);
            socket.once('data', () => resolve(socket));
          }),
      ),
    );
    expect((await tcpExchange(port, 'CMD_short:0')).data.toString()).toBe('ERROR: server busy\n');
    // The clients vanish; the server learns it at its next send (a reset), and must not fall over.
    for (const socket of held) socket.destroy();
    await Promise.all(held.map(finished));
    await waitFor('both sessions to end on the server', () => lines().filter((line) => line.message === 'session').length === 2);
    expect((await tcpExchange(port, 'CMD_short:0')).data.toString()).toBe([1, 2, 3].map(pmuMessage).join(''));
    await server.close();
    await server.close(); // idempotent
  });

  it('makes room for a client with a command by closing the oldest idle connections', async () => {
    const { port } = await startServer({ maxConnections: 100, maxPendingPerAddress: 100, idleTimeoutMs: 20_000 });
    const idle: net.Socket[] = [];
    onTestFinished(() => idle.forEach((socket) => socket.destroy()));
    const closedByServer: number[] = [];
    await Promise.all(
      Array.from(
        { length: 150 },
        (_, index) =>
          new Promise<void>((resolve) => {
            const socket = net.connect({ host: '127.0.0.1', port }, () => resolve());
            socket.on('error', () => undefined);
            socket.on('close', () => closedByServer.push(index));
            socket.resume();
            idle.push(socket);
          }),
      ),
    );
    expect((await tcpExchange(port, 'CMD_short:0')).data.toString()).toBe([1, 2, 3, 4, 5, 6].map(pmuMessage).join(''));
    await waitFor('the oldest idle connections to be closed', () => closedByServer.length >= 51);
    expect(Math.min(...closedByServer)).toBe(0); // the oldest went first
  });

  it('slices every message and the flood into writes of at most lab.pmuTcp.sliceBytes, for clients that must split the stream', async () => {
    const { port } = await startServer({ sliceBytes: 7 });
    const short = await runPdc({ host: '127.0.0.1', port, command: 'CMD_short:0', timeoutMs: 5000 });
    expect(short.messages).toEqual([1, 2, 3, 4, 5, 6].map(pmuMessage));
    // 108 bytes in slices of 7: messages split across segments (and reads), each slice its own segment
    expect(short.segments).toBeGreaterThanOrEqual(Math.ceil(SIX_MESSAGES.length / 7) - 2);
    expect(short.reads).toBeGreaterThan(6);
    const flood = await tcpExchange(port, 'CMD_floodme');
    expect(flood.data.equals(FLOOD)).toBe(true);
  });
});
