import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encodeTvDatagram } from '../../lib/tv.js';
import { PLAY } from '../../services/lab/play.js';
import { TvChannel } from '../../services/lab/tv-channel.js';
import { RecorderStore } from '../../services/mcast-recorder/store.js';
import { CLI, closeAfter, memoryLogger, runCli, withoutSocklabVariables } from '../helpers.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const SCRIPTS = path.join(__dirname, '..', 'interop', 'python');

/** Waits for "joined … port N" on a child's stderr (socklab mcast listen, or the Python receiver); resolves with N. */
function joinedPort(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /joined .*?(\d+)(?: via|\n)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on('close', () => reject(new Error(`ended before joining: ${stderr}`)));
  });
}

/** `socklab mcast listen …` in the background; resolves once it has joined, with its port and its output to come. */
async function listen(args: string[]): Promise<{ port: string; output: Promise<string> }> {
  const child = spawn(process.execPath, [CLI, 'mcast', 'listen', ...args], { env: withoutSocklabVariables(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const output = new Promise<string>((resolve) => child.on('close', () => resolve(stdout)));
  return { port: await joinedPort(child), output };
}

describe('socklab mcast (part 4)', () => {
  it('listen shows what a plain Python sender sends, as text and as JSON lines', async () => {
    const plain = await listen(['--port', '0', '--count', '2']);
    await run(PYTHON, [path.join(SCRIPTS, 'part4_sender.py'), '224.1.1.1', plain.port, '127.0.0.1', '123456', 'first line', 'second line']);
    expect(await plain.output).toMatch(/^\[123456\] first line {3}\(from 127\.0\.0\.1:\d+\)\n\[123456\] second line {3}\(from 127\.0\.0\.1:\d+\)\n$/);

    const json = await listen(['--port', '0', '--count', '1', '--json']);
    await run(PYTHON, [path.join(SCRIPTS, 'part4_sender.py'), '224.1.1.1', json.port, '127.0.0.1', '654321', 'in JSON']);
    const line = JSON.parse((await json.output).trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ id: '654321', text: 'in JSON', bytes: 13, group: '224.1.1.1' });
    expect(String(line.from)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(String(line.at)).toMatch(/Z$/);
  });

  it('send reaches a plain Python receiver, a datagram per line of stdin', async () => {
    const receiver = spawn(PYTHON, [path.join(SCRIPTS, 'part4_receiver.py'), '224.1.1.1', '0', '127.0.0.1', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => {
      receiver.kill('SIGKILL');
    });
    let received = '';
    receiver.stdout!.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const receiverDone = new Promise((resolve) => receiver.on('close', resolve));
    const port = await joinedPort(receiver);
    const child = spawn(process.execPath, [CLI, 'mcast', 'send', '--id', '112233', '--port', port], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end('wherefore art thou\nRomeo?\n');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(await receiverDone).toBe(0);
    expect(received).toBe('112233 wherefore art thou\n112233 Romeo?\n');
  });

  it('gets the channel\'s answer to a 350-character message (Q22)', async () => {
    const channel = closeAfter(
      new TvChannel(
        { group: '224.1.1.1', port: 0, iface: '127.0.0.1', ttl: 1, intervalMs: 60_000, replyThreshold: 300, maxRepliesPerSecond: 3, receiveBufferBytes: 1 << 20, lines: PLAY },
        memoryLogger().logger,
      ),
    );
    const port = String((await channel.listen()).port);
    const watcher = await listen(['--port', port, '--count', '2', '--json']);
    const sent = await runCli(['mcast', 'send', '--id', '246810', '--port', port, '--message', 'O Romeo! '.repeat(39).trim()]);
    expect(sent.code).toBe(0);
    const lines = (await watcher.output).trim().split('\n').map((line) => JSON.parse(line) as { id: string; text: string });
    expect(lines.find((line) => line.id === '246810')!.text).toHaveLength(350);
    expect(lines.find((line) => line.id === 'swcmTV')!.text).toContain('246810');
  });

  it('refuses an ID that is not 6 ASCII characters and a text too large for a datagram, with exit 2', async () => {
    const short = await runCli(['mcast', 'send', '--id', '12345', '--message', 'x']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('must be exactly 6 printable ASCII characters');
    const large = await runCli(['mcast', 'send', '--id', '123456', '--message', 'x'.repeat(70_000)]); // refused before any socket
    expect(large.code).toBe(2);
    expect(large.stderr.trim()).toBe('socklab: a text of 70000 bytes does not fit in one datagram: at most 65501 bytes of UTF-8 after the 6-byte ID');
  });
});

describe('socklab recorder', () => {
  it('shows stats per sender, queries and exports the store', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-recorder-cli-')), 'recorder.db');
    const store = new RecorderStore(file);
    const row = (at: string, id: string, text: string) => ({
      receivedAt: at,
      group: '224.1.1.1',
      sourceAddress: '127.0.0.1',
      sourcePort: 4000,
      senderId: id,
      text,
      wellFormed: true,
      payload: encodeTvDatagram(id, text),
    });
    store.append([
      row('2026-11-27T10:00:00.000Z', 'swcmTV', 'ROMEO: hello'),
      row('2026-11-27T10:00:01.000Z', '123456', 'a "quoted", text'),
      row('2026-11-27T11:00:00.000Z', 'swcmTV', 'JULIET: hi'),
    ]);
    store.close();

    const stats = await runCli(['recorder', 'stats', '--db', file]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^swcmTV\s+2\s+34\s+2026-11-27T10:00:00\.000Z\s+2026-11-27T11:00:00\.000Z$/m);
    const query = await runCli(['recorder', 'query', '--db', file, '--id', 'swcmTV', '--since', '2026-11-27T10:30:00Z']);
    expect(query.stdout).toBe('2026-11-27T11:00:00.000Z [swcmTV] JULIET: hi   (from 127.0.0.1:4000)\n');
    const grep = JSON.parse((await runCli(['recorder', 'query', '--db', file, '--grep', 'QUOTED', '--json'])).stdout) as unknown[];
    expect(grep).toHaveLength(1);
    const csv = (await runCli(['recorder', 'export', '--db', file, '--format', 'csv'])).stdout.split('\n');
    expect(csv[0]).toBe('id,receivedAt,group,from,senderId,text,size,wellFormed');
    expect(csv[2]).toBe('2,2026-11-27T10:00:01.000Z,224.1.1.1,127.0.0.1:4000,123456,"a ""quoted"", text",22,true');
    const jsonl = (await runCli(['recorder', 'export', '--db', file])).stdout.trim().split('\n');
    expect(jsonl.map((line) => (JSON.parse(line) as { senderId: string }).senderId)).toEqual(['swcmTV', '123456', 'swcmTV']);
    const bad = await runCli(['recorder', 'query', '--db', file, '--since', 'yesterday-ish']);
    expect(bad.code).toBe(2);
  });
});
