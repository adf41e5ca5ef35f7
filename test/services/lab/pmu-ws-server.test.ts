import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { floodText } from '../../../lib/pmu/flood.js';
import { PmuWsServer, type PmuWsServerOptions } from '../../../services/lab/pmu-ws-server.js';
import { closeAfter, memoryLogger, pmuTestOptions, waitFor } from '../../helpers.js';

const FLOOD = floodText(300 * 1024, 5);

async function startServer(overrides: Partial<PmuWsServerOptions> = {}) {
  const { logger, lines } = memoryLogger('lab');
  const server = closeAfter(
    new PmuWsServer(
      { ...pmuTestOptions(FLOOD), host: '127.0.0.1', port: 0, idleTimeoutMs: 500, maxConnections: 100, drainMs: 200, ...overrides },
      logger,
    ),
  );
  const { port } = await server.listen();
  return { url: `ws://127.0.0.1:${port}`, server, lines };
}

interface Conversation {
  messages: string[];
  binary: boolean[];
  code: number;
  reason: string;
}

function converse(url: string, send?: string | Buffer): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const result: Conversation = { messages: [], binary: [], code: 0, reason: '' };
    ws.on('open', () => send !== undefined && ws.send(send));
    ws.on('message', (data, isBinary) => {
      result.messages.push(data.toString());
      result.binary.push(isBinary);
    });
    ws.on('error', reject);
    ws.on('close', (code, reason) => resolve({ ...result, code, reason: reason.toString() }));
  });
}

describe('PMU WebSocket emulator', () => {
  it('answers CMD_short:0 with n messages in binary frames, as the course server, then closes with 1000', async () => {
    const { url, lines } = await startServer();
    const conversation = await converse(url, 'CMD_short:0');
    expect(conversation.messages).toEqual([1, 2, 3, 4, 5].map(pmuMessage));
    expect(conversation.binary).toEqual([true, true, true, true, true]);
    expect(conversation.code).toBe(1000);
    expect(await waitFor('the session line', () => lines().find((line) => line.message === 'session'))).toMatchObject({ command: 'CMD_short:0', messages: 5, closeCode: 1000 });
  });

  it('frames them as text with lab.pmuWs.frames=text', async () => {
    const { url } = await startServer({ frames: 'text' });
    const conversation = await converse(url, 'CMD_short:0');
    expect(conversation.messages).toEqual([1, 2, 3, 4, 5].map(pmuMessage));
    expect(conversation.binary).toEqual([false, false, false, false, false]);
  });

  it('answers CMD_floodme with one large message', async () => {
    const { url } = await startServer();
    const conversation = await converse(url, 'CMD_floodme');
    expect(conversation.messages).toHaveLength(1);
    expect(conversation.messages[0]).toBe(FLOOD.toString('utf8'));
    expect(conversation.code).toBe(1000);
  });

  it.each([
    ['an unknown command', 'HELLO', 1008, 'unknown command "HELLO"'],
    ['a negative interval', 'CMD_short:-1', 1008, 'interval "-1" is not a non-negative number'],
    ['a binary message', Buffer.from([1, 2, 3]), 1003, 'binary messages are not accepted'],
    ['an oversized message', 'x'.repeat(10_000), 1009, ''],
  ])('closes on %s with a code and a reason, then still serves', async (_label, payload, code, reason) => {
    const { url } = await startServer();
    const conversation = await converse(url, payload);
    expect(conversation.code).toBe(code);
    expect(conversation.reason).toContain(reason);
    expect((await converse(url, 'CMD_short:0')).messages).toHaveLength(5);
  });

  it('closes a silent client after the idle timeout', async () => {
    const { url } = await startServer({ idleTimeoutMs: 100 });
    const conversation = await converse(url);
    expect(conversation).toMatchObject({ code: 1008, reason: 'no command within 0.1 s' });
  });

  it('answers plain HTTP with 426 and keeps serving', async () => {
    const { url } = await startServer();
    const response = await fetch(url.replace('ws:', 'http:'));
    expect(response.status).toBe(426);
    expect((await converse(url, 'CMD_short:0')).code).toBe(1000);
  });
});
