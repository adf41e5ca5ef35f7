import { type ChildProcess, fork } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStoreReadOnly } from '../../../lib/sqlite.js';
import { encodeTvDatagram } from '../../../lib/tv.js';
import { MulticastRecorder } from '../../../services/mcast-recorder/recorder.js';
import { RecorderReader, RecorderStore } from '../../../services/mcast-recorder/store.js';
import { CLI, closeAfter, memoryLogger, withoutSocklabVariables } from '../../helpers.js';

const GROUPS = ['224.1.1.1', '239.7.7.7'];

function storeFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-recorder-')), 'recorder.db');
}

async function sender() {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setMulticastInterface('127.0.0.1');
  socket.setMulticastTTL(1);
  onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return socket;
}

/** Sends `count` datagrams "seq N" paced at `perSecond`, bounded in count and time. */
async function burst(socket: dgram.Socket, port: number, count: number, perSecond: number): Promise<void> {
  const started = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * perSecond));
    for (; sent < due; sent += 1) socket.send(encodeTvDatagram('burst1', `seq ${sent + 1}`), port, '224.1.1.1');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function countRows(file: string): number {
  const db = openStoreReadOnly(file);
  try {
    return db.prepare('SELECT count(*) FROM datagrams').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** The recorder as pm2 runs it, on a port the system chose; resolves with that port. */
async function spawnRecorder(file: string): Promise<{ child: ChildProcess; port: number; exited: Promise<number | null> }> {
  const child = fork(CLI, ['service', 'mcast-recorder', '--recorder.db', file, '--recorder.port', '0', '--log.format', 'json'], {
    env: withoutSocklabVariables(process.env),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = output.split('\n').find((line) => line.includes('"message":"ready"'));
      const match = ready ? / port (\d+) /.exec(ready) : null;
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`recorder exited ${code}: ${output}`)));
  });
  return { child, port, exited };
}

describe('mcast-recorder', () => {
  it('records every datagram of every group with its time, group, source, ID, text and payload', async () => {
    const file = storeFile();
    const { logger } = memoryLogger('mcast-recorder');
    const recorder = closeAfter(
      new MulticastRecorder(
        { groups: GROUPS, port: 0, iface: '127.0.0.1', receiveBufferBytes: 1 << 20, batchMs: 30, batchRows: 1000, countersEveryMs: 60_000 },
        new RecorderStore(file),
        logger,
      ),
    );
    const port = await recorder.start();
    const socket = await sender();
    socket.send(encodeTvDatagram('123456', 'hello group one'), port, GROUPS[0]);
    socket.send(encodeTvDatagram('654321', 'héllo group two'), port, GROUPS[1]);
    socket.send(Buffer.from([1, 2, 3]), port, GROUPS[0]);
    await new Promise((resolve) => setTimeout(resolve, 150)); // past batchMs: committed without a close
    expect(recorder.counters).toMatchObject({ received: 3, stored: 3 });
    await recorder.close();

    const reader = new RecorderReader(file);
    // One socket per group: datagrams of two groups may be recorded in either order.
    const rows = [...reader.query()].sort((a, b) => a.size - b.size);
    expect(rows.map((row) => [row.group, row.senderId, row.text, row.wellFormed, row.size])).toEqual([
      [GROUPS[0], '\u0001\u0002\u0003', '', false, 3],
      [GROUPS[0], '123456', 'hello group one', true, 21],
      [GROUPS[1], '654321', 'héllo group two', true, 6 + Buffer.byteLength('héllo group two')],
    ]);
    expect(rows[1]!.from).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(rows[1]!.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect([...reader.query({ grep: 'GROUP TWO' })]).toHaveLength(1);
    expect([...reader.query({ id: '123456' })]).toHaveLength(1);
    expect([...reader.query({ limit: 2 })]).toHaveLength(2);
    expect(reader.stats().find((row) => row.senderId === '123456')).toMatchObject({ count: 1, bytes: 21 });
    reader.close();
  });

  it('records a burst of 20,000 datagrams at 10,000 a second whole', async () => {
    const file = storeFile();
    const { port, child, exited } = await spawnRecorder(file);
    await burst(await sender(), port, 20_000, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(countRows(file)).toBe(20_000);
  });

  it('loses no committed row to a kill -9 in the middle of a burst, and a restart appends', async () => {
    const file = storeFile();
    const first = await spawnRecorder(file);
    const socket = await sender();
    const sending = burst(socket, first.port, 20_000, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const committed = countRows(file);
    first.child.kill('SIGKILL');
    await first.exited;
    await sending;
    expect(committed).toBeGreaterThan(1000);

    const db = openStoreReadOnly(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const texts = db.prepare('SELECT text FROM datagrams ORDER BY id').pluck().all() as string[];
    db.close();
    expect(texts.length).toBeGreaterThanOrEqual(committed);
    expect(texts).toEqual(texts.map((_, index) => `seq ${index + 1}`)); // a prefix of the burst: no gap, no partial batch

    const second = await spawnRecorder(file);
    socket.send(encodeTvDatagram('after1', 'restarted'), second.port, '224.1.1.1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(countRows(file)).toBe(texts.length + 1);
  });
});
