import dgram from 'node:dgram';
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openStoreReadOnly } from '../../../lib/sqlite.js';
import { encodeTvDatagram } from '../../../lib/tv.js';
import { MulticastRecorder } from '../../../services/mcast-recorder/recorder.js';
import { RecorderReader, RecorderStore } from '../../../services/mcast-recorder/store.js';
import { closeAfter, memoryLogger, portOf, runCli, spawnService, waitFor } from '../../helpers.js';
import { closeSocket } from '../../../lib/listen.js';

const GROUPS = ['224.1.1.1', '239.7.7.7'];

function storeFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-recorder-')), 'recorder.db');
}

async function sender() {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setMulticastInterface('127.0.0.1');
  socket.setMulticastTTL(1);
  onTestFinished(() => closeSocket(socket));
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

/** The recorder as pm2 runs it, on a port the system chose. */
async function spawnRecorder(file: string, extra: string[] = [], wrapper: string[] = []) {
  const service = await spawnService(['service', 'mcast-recorder', '--recorder.db', file, '--recorder.port', '0', ...extra], wrapper);
  return { ...service, port: portOf(service.endpoints[0]!) };
}

describe('mcast-recorder', () => {
  it('records every datagram of every group with its time, group, source, ID, text and payload', async () => {
    const file = storeFile();
    const { logger } = memoryLogger('mcast-recorder');
    const recorder = closeAfter(
      new MulticastRecorder(
        { groups: GROUPS, port: 0, iface: '127.0.0.1', receiveBufferBytes: 1 << 20, batchMs: 30, batchRows: 1000, maxPendingRows: 100, countersEveryMs: 60_000 },
        new RecorderStore(file),
        logger,
        (error) => expect.unreachable(error.message),
      ),
    );
    const { port } = await recorder.listen();
    const socket = await sender();
    socket.send(encodeTvDatagram('123456', 'hello group one'), port, GROUPS[0]);
    socket.send(encodeTvDatagram('654321', 'héllo group two'), port, GROUPS[1]);
    socket.send(Buffer.from([1, 2, 3]), port, GROUPS[0]);
    await waitFor('the batch to be committed without a close (batchMs)', () => recorder.counters.stored === 3);
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
    await waitFor('20,000 rows in the store', () => countRows(file) === 20_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(countRows(file)).toBe(20_000);
  });

  it('loses no committed row to a kill -9 in the middle of a burst, and a restart appends', async () => {
    const file = storeFile();
    const first = await spawnRecorder(file);
    const socket = await sender();
    const sending = burst(socket, first.port, 20_000, 10_000);
    const committed = await waitFor('more than 1,000 rows committed', () => {
      const rows = countRows(file);
      return rows > 1000 ? rows : undefined;
    });
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
    await waitFor('the datagram after the restart', () => countRows(file) === texts.length + 1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(countRows(file)).toBe(texts.length + 1);
  });
});

/** The recorder as pm2 runs it, inside a private mount namespace whose `folder` is a 2 MiB tmpfs. */
async function spawnRecorderOnTmpfs(folder: string, extra: string[]) {
  // unshare execs the shell, which execs node: the child's pid is the recorder's, and
  // /proc/PID/root/FOLDER is the tmpfs as the recorder sees it.
  const mountThenRun = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=2m tmpfs "${folder}" && exec "$0" "$@"`];
  const recorder = await spawnRecorder(path.join(folder, 'recorder.db'), extra, mountThenRun);
  const inside = path.join(`/proc/${recorder.child.pid}/root`, folder);
  const fill = () => {
    const block = Buffer.alloc(64 * 1024);
    for (let written = 0; written < 4 << 20; written += block.length) {
      try {
        appendFileSync(path.join(inside, 'filler'), block);
      } catch {
        return; // ENOSPC: full
      }
    }
    throw new Error('the tmpfs never filled');
  };
  return { ...recorder, fill, free: () => rmSync(path.join(inside, 'filler')) };
}

const isRoot = process.getuid?.() === 0;

describe('mcast-recorder when its store fails', () => {
  it.skipIf(!isRoot)('holds datagrams through a full disk, stores them once space is freed, and counts and reports what it had to drop', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-full-'));
    const recorder = await spawnRecorderOnTmpfs(folder, ['--recorder.maxPendingRows', '200']);
    const socket = await sender();
    const text = 'x'.repeat(1000); // 1 KB a row: a few hundred rows outgrow whatever room SQLite had left
    const send = (count: number, from: number) =>
      Promise.all(
        Array.from(
          { length: count },
          (_, index) => new Promise((resolve) => socket.send(encodeTvDatagram('full01', `${from + index} ${text}`), recorder.port, '224.1.1.1', resolve)),
        ),
      );
    const failures = () => recorder.logLines().filter((line) => line.message === 'store write failed, will retry');

    // Full, then freed: 150 datagrams wait in the backlog and are all stored after.
    recorder.fill();
    await send(150, 0);
    await waitFor('a store error', () => failures().length > 0);
    expect(failures()[0]).toMatchObject({ code: 'SQLITE_FULL', file: expect.stringContaining('recorder.db') });
    expect(String(failures()[0]!.error)).toMatch(/^SQLITE_FULL .*recorder\.db: database or disk is full/);
    recorder.free();
    await waitFor('storing to resume', () => recorder.logLines().find((line) => line.message === 'store writable again'), 15_000);

    // Full again: 200 are held, 300 more are dropped and counted; SIGTERM while still full loses the 200 too.
    recorder.fill();
    await send(500, 150);
    await waitFor('the backlog to overflow', () => recorder.logLines().find((line) => line.message === 'backlog full: rows dropped'));
    expect(failures().length).toBe(1); // one line per 10 s, however many retries
    recorder.child.kill('SIGTERM');
    expect(await recorder.exited).toBe(1);
    const closed = recorder.logLines().find((line) => line.message === 'closed')!;
    // Every datagram received is either stored or counted lost; the loss is said at exit.
    expect(closed.stored).toBe(150);
    expect(closed.received).toBeGreaterThan(150 + 200); // past the backlog's bound, as the overflow line said
    expect(closed.lost).toBe((closed.received as number) - 150);
    expect(recorder.logLines().find((line) => line.message === 'stopped with a loss')!.error).toBe(
      `${closed.lost} of ${closed.received} datagrams were not stored in ${path.join(folder, 'recorder.db')}`,
    );
  });

  it('ends non-zero, naming the file and the SQLite code, when its store is damaged or not a database', async () => {
    const file = storeFile();
    const store = new RecorderStore(file);
    store.append(Array.from({ length: 2000 }, (_, index) => ({ receivedAt: new Date().toISOString(), group: '224.1.1.1', sourceAddress: '127.0.0.1', sourcePort: 1, senderId: 'seed01', text: `row ${index}`, wellFormed: true, payload: Buffer.from(`row ${index}`) })));
    store.close();
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0x5a), 0, size - 4096, 4096); // every page but the header
    closeSync(fd);

    const damaged = await spawnRecorder(file);
    const socket = await sender();
    for (let index = 0; index < 50; index += 1) socket.send(encodeTvDatagram('dmg001', `after ${index}`), damaged.port, '224.1.1.1');
    expect(await damaged.exited).toBe(1);
    const lines = damaged.logLines();
    expect(lines.find((line) => line.message === 'store unusable')).toMatchObject({ code: 'SQLITE_CORRUPT', error: expect.stringMatching(/^SQLITE_CORRUPT .*recorder\.db: database disk image is malformed/) });
    expect(lines.find((line) => line.message === 'closed')).toMatchObject({ stored: 0, lost: (lines.find((line) => line.message === 'closed')!.received as number) });

    const notDatabase = path.join(path.dirname(file), 'text.db');
    writeFileSync(notDatabase, 'not a database, only text '.repeat(100));
    const run = await runCli(['service', 'mcast-recorder', '--recorder.db', notDatabase, '--recorder.port', '0', '--log.format', 'json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/SQLITE_NOTADB [^ ]*text\.db: file is not a database/);
  });
});
