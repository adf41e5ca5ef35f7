import net from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runPdc } from '../../../lib/clients/pdc.js';
import { SocklabError } from '../../../lib/errors.js';
import { pmuMessage } from '../../../lib/pmu/command.js';
import { floodText } from '../../../lib/pmu/flood.js';
import { PmuTcpServer } from '../../../services/lab/pmu-tcp-server.js';
import { closeAfter, memoryLogger, pmuTestOptions, refusingTcpPort } from '../../helpers.js';
import { closeServer } from '../../../lib/listen.js';

const FLOOD = floodText(512 * 1024, 9);

async function emulator(messages = 8) {
  const server = closeAfter(
    new PmuTcpServer(
      { ...pmuTestOptions(FLOOD), host: '127.0.0.1', port: 0, messagesMin: messages, messagesMax: messages, maxConnections: 10 },
      memoryLogger().logger,
    ),
  );
  return (await server.listen()).port;
}

/** A server that answers any command with `payload` cut into writes of 1–7 bytes, each its own segment. */
async function choppingServer(payload: string): Promise<{ port: number; writes: () => number }> {
  let writes = 0;
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.once('data', async () => {
      let offset = 0;
      let size = 1;
      while (offset < payload.length) {
        socket.write(payload.slice(offset, offset + size));
        writes += 1;
        offset += size;
        size = (size % 7) + 1;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => closeServer(server));
  return { port: (server.address() as net.AddressInfo).port, writes: () => writes };
}

const base = { host: '127.0.0.1', timeoutMs: 5000 };

describe('PDC client (part 2)', () => {
  it('gets every message of CMD_short:0 from the emulator, with reads, bytes and segments', async () => {
    const port = await emulator();
    const result = await runPdc({ ...base, port, command: 'CMD_short:0' });
    expect(result.messages).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map(pmuMessage));
    expect(result).toMatchObject({ command: 'CMD_short:0', transport: 'tcp', unexpected: [] });
    expect(result.bytes).toBe(result.messages.join('').length);
    expect(result.reads).toBeGreaterThanOrEqual(1);
    expect(result.segments).toBeGreaterThanOrEqual(1);
    expect(result.segments).toBeLessThanOrEqual(8);
  });

  it('sees one read and one segment per message when they are d seconds apart', async () => {
    const port = await emulator(3);
    const seen: string[] = [];
    const result = await runPdc({ ...base, port, command: 'CMD_short:0.05', onItem: (item) => seen.push(item.text) });
    expect(seen).toEqual([1, 2, 3].map(pmuMessage));
    expect(result).toMatchObject({ reads: 3, segments: 3 });
  });

  it('is exact when the server chops the stream into 1–7 byte writes', async () => {
    const stream = Array.from({ length: 40 }, (_, index) => pmuMessage(index + 1)).join('');
    const server = await choppingServer(stream);
    const result = await runPdc({ ...base, port: server.port, command: 'CMD_short:0' });
    expect(result.messages).toEqual(Array.from({ length: 40 }, (_, index) => pmuMessage(index + 1)));
    expect(result.segments).toBe(server.writes());
    expect(result.reads).toBeLessThanOrEqual(server.writes());
    expect(result.bytes).toBe(stream.length);
  });

  it('reads at most --recv-size bytes per read', async () => {
    const port = await emulator(4);
    const result = await runPdc({ ...base, port, command: 'CMD_short:0', recvSize: 5 });
    expect(result.messages).toHaveLength(4);
    expect(result.reads).toBeGreaterThanOrEqual(Math.ceil(result.bytes / 5));
  });

  it('collects the flood whole, or streams it to a sink without keeping it', async () => {
    const port = await emulator();
    const collected = await runPdc({ ...base, port, command: 'CMD_floodme' });
    expect(collected.messages).toEqual([FLOOD.toString()]);
    expect(collected.bytes).toBe(FLOOD.length);
    expect(collected.segments).toBeGreaterThanOrEqual(FLOOD.length / 65_536);

    const sink = new PassThrough();
    const received: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => received.push(chunk));
    const streamed = await runPdc({ ...base, port, command: 'CMD_floodme', floodSink: sink, recvSize: 4096 });
    expect(streamed.messages).toEqual([]);
    expect(Buffer.concat(received).equals(FLOOD)).toBe(true);
    expect(streamed.reads).toBeGreaterThanOrEqual(FLOOD.length / 4096); // recv(4096) returns at most 4096 bytes
  });

  it('flags data that is not a PMU message', async () => {
    const server = await choppingServer('This is PMU data 1<garbage>This is PMU data 2');
    const result = await runPdc({ ...base, port: server.port, command: 'CMD_short:0' });
    expect(result.messages).toEqual([pmuMessage(1), pmuMessage(2)]);
    expect(result.unexpected).toEqual(['<garbage>']);
  });

  it('fails with exit code 1 on an ERROR answer, a refused connection, or silence', async () => {
    const port = await emulator();
    const failure = async (promise: Promise<unknown>) => {
      const error = await promise.then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(SocklabError);
      expect((error as SocklabError).exitCode).toBe(1);
      return (error as SocklabError).message;
    };
    expect(await failure(runPdc({ ...base, port, command: 'CMD_short:abc' }))).toMatch(/^the server answered: ERROR: interval "abc"/);

    expect(await failure(runPdc({ ...base, port: await refusingTcpPort(), command: 'CMD_short:0' }))).toContain('refused');

    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      silent.close();
    });
    const silentPort = (silent.address() as net.AddressInfo).port;
    expect(await failure(runPdc({ ...base, port: silentPort, command: 'CMD_short:0', timeoutMs: 200 }))).toContain('no data from');
  });
});
