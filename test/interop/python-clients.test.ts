import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pmuMessage } from '../../lib/pmu/command.js';
import { floodText } from '../../lib/pmu/flood.js';
import { PLAY } from '../../services/lab/play.js';
import { PmuTcpServer } from '../../services/lab/pmu-tcp-server.js';
import { PmuWsServer } from '../../services/lab/pmu-ws-server.js';
import { TvChannel } from '../../services/lab/tv-channel.js';
import { closeAfter, memoryLogger, pmuTestOptions, startUdpEmulator } from '../helpers.js';

// Debian's interpreter and its python3-websocket package (installed by .ci/run), as a student has them.
const PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(__dirname, 'python');
const run = promisify(execFile);
const python = (script: string, args: Array<string | number>) =>
  run(PYTHON, [path.join(SCRIPTS, script), ...args.map(String)], { timeout: 20_000 });

const pmu = { ...pmuTestOptions(floodText(200_000, 3)), messagesMin: 4, messagesMax: 4 };

describe("the handout's Python clients against the emulators", () => {
  it('part 2: the TCP PDC gets every message for d = 0 and d = 0.1, and the whole flood', async () => {
    const server = closeAfter(
      new PmuTcpServer({ ...pmu, host: '127.0.0.1', port: 0, maxConnections: 10 }, memoryLogger().logger),
    );
    const { port } = await server.listen();
    for (const command of ['CMD_short:0', 'CMD_short:0.1']) {
      const { stdout } = await python('part2_pdc.py', ['127.0.0.1', port, command]);
      expect(stdout.trim().split('\n')).toEqual([1, 2, 3, 4].map(pmuMessage));
    }
    const { stdout } = await python('part2_pdc.py', ['127.0.0.1', port, 'CMD_floodme']);
    expect(stdout).toBe(`${pmu.floodText.toString()}\n`);
  });

  it('part 3: the dual-stack RESET client finds the family the server is on', async () => {
    for (const family of ['IPv4', 'IPv6'] as const) {
      const { port } = await startUdpEmulator({ family, dropProbability: 0.3 });
      const { stdout } = await python('part3_reset.py', ['127.0.0.1', '::1', port]);
      expect(stdout).toMatch(new RegExp(`^OFFSET=(\\d|1\\d|20) ${family} \\d+\\n$`));
    }
  });

  it('part 4: a receiver joined on 127.0.0.1 sees the channel', async () => {
    const channel = closeAfter(
      new TvChannel(
        { group: '224.1.1.1', port: 0, iface: '127.0.0.1', ttl: 1, intervalMs: 50, replyThreshold: 300, maxRepliesPerSecond: 3, receiveBufferBytes: 1 << 20, lines: PLAY },
        memoryLogger().logger,
      ),
    );
    const { port } = await channel.listen();
    const { stdout } = await python('part4_receiver.py', ['224.1.1.1', port, '127.0.0.1', 3]);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.startsWith('swcmTV ')).toBe(true);
      expect(PLAY).toContain(line.slice('swcmTV '.length));
    }
  });

  it('part 5: websocket-client gets one on_message per PMU message, and one for the flood', async () => {
    const server = closeAfter(new PmuWsServer({ ...pmu, host: '127.0.0.1', port: 0, maxConnections: 10 }, memoryLogger().logger));
    const { port } = await server.listen();
    const short = await python('part5_ws.py', [`ws://127.0.0.1:${port}`, 'CMD_short:0']);
    expect(short.stdout.trim().split('\n')).toEqual([...[1, 2, 3, 4].map(pmuMessage), 'on_message events: 4']);
    const flood = await python('part5_ws.py', [`ws://127.0.0.1:${port}`, 'CMD_floodme']);
    expect(flood.stdout.endsWith('on_message events: 1\n')).toBe(true);
    expect(flood.stdout.length).toBeGreaterThan(200_000);
  });

  it('part 5: a client that .decode()s what recv() returns gets every message and the whole flood from binary frames; text frames break it', async () => {
    const binary = closeAfter(new PmuWsServer({ ...pmu, host: '127.0.0.1', port: 0, maxConnections: 10 }, memoryLogger().logger));
    const url = `ws://127.0.0.1:${(await binary.listen()).port}`;
    const short = await python('part5_recv_decode.py', [url, 'CMD_short:0']);
    expect(short.stdout.trim().split('\n')).toEqual([...[1, 2, 3, 4].map(pmuMessage), 'recv() calls with data: 4']);
    const flood = await python('part5_recv_decode.py', [url, 'CMD_floodme']);
    expect(flood.stdout).toBe(`${pmu.floodText.toString('utf8')}\nrecv() calls with data: 1\n`);

    const text = closeAfter(new PmuWsServer({ ...pmu, frames: 'text', host: '127.0.0.1', port: 0, maxConnections: 10 }, memoryLogger().logger));
    const broken = (await python('part5_recv_decode.py', [`ws://127.0.0.1:${(await text.listen()).port}`, 'CMD_short:0']).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("AttributeError: 'str' object has no attribute 'decode'");
  });
});
