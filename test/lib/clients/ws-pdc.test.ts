import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocketServer } from 'ws';
import { runWsPdc } from '../../../lib/clients/ws-pdc.js';
import { SocklabError } from '../../../lib/errors.js';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { floodText } from '../../../lib/pmu/flood.js';
import { PmuWsServer } from '../../../services/lab/pmu-ws-server.js';
import { closeAfter, memoryLogger, pmuTestOptions } from '../../helpers.js';
import { closeServer } from '../../../lib/listen.js';

const FLOOD = floodText(400 * 1024, 4);

async function emulator(messages = 6): Promise<string> {
  const server = closeAfter(
    new PmuWsServer(
      { ...pmuTestOptions(FLOOD), host: '127.0.0.1', port: 0, messagesMin: messages, messagesMax: messages, maxConnections: 10 },
      memoryLogger().logger,
    ),
  );
  return `ws://127.0.0.1:${(await server.listen()).port}`;
}

/** A server that sends every message as many one-to-seven-byte frames (RFC 6455 §5.4 fragmentation). */
async function fragmentingServer(messages: string[]): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  onTestFinished(() => closeServer(wss));
  wss.on('connection', (ws) => {
    ws.once('message', () => {
      for (const message of messages) {
        for (let offset = 0, size = 1; offset < message.length; offset += size, size = (size % 7) + 1) {
          ws.send(message.slice(offset, offset + size), { fin: offset + size >= message.length, binary: false });
        }
      }
      ws.close(1000, 'done');
    });
  });
  const address = wss.address() as { port: number };
  return `ws://127.0.0.1:${address.port}`;
}

describe('WebSocket client (part 5)', () => {
  it('gets one event per PMU message from the emulator, and the close code', async () => {
    const url = await emulator();
    const result = await runWsPdc({ url, command: 'CMD_short:0', timeoutMs: 5000 });
    expect(result.messages).toEqual([1, 2, 3, 4, 5, 6].map(pmuMessage));
    expect(result).toMatchObject({ transport: 'ws', events: 6, close: { code: 1000, reason: 'done' } });
    expect(result.bytes).toBe(result.messages.join('').length);
    expect(result.segments).toBeGreaterThanOrEqual(2); // at least the 101 answer and the messages
  });

  it('gets the flood as one event however many segments carried it', async () => {
    const url = await emulator();
    const result = await runWsPdc({ url, command: 'CMD_floodme', timeoutMs: 5000 });
    expect(result.events).toBe(1);
    expect(result.messages[0]).toBe(FLOOD.toString());
    expect(result.segments).toBeGreaterThan(FLOOD.length / 65_536);
  });

  it('counts a message sent as many fragments as one event', async () => {
    const expected = Array.from({ length: 30 }, (_, index) => pmuMessage(index + 1));
    const url = await fragmentingServer(expected);
    const seen: string[] = [];
    const result = await runWsPdc({ url, command: 'CMD_short:0', timeoutMs: 5000, onMessage: (text) => seen.push(text) });
    expect(seen).toEqual(expected);
    expect(result.events).toBe(30);
  });

  it('fails with exit code 1 when the server closes with an error code, or is not there', async () => {
    const url = await emulator();
    const error = await runWsPdc({ url, command: 'CMD_short:x', timeoutMs: 5000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SocklabError);
    expect(error).toMatchObject({ exitCode: 1 });
    expect((error as Error).message).toMatch(/^the server closed with code 1008: interval "x"/);
    const refused = await runWsPdc({ url: 'ws://127.0.0.1:1', command: 'CMD_short:0', timeoutMs: 5000 }).catch((caught: unknown) => caught);
    expect((refused as SocklabError).message).toContain('refused');
  });
});
