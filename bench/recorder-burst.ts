import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';
import { openStoreReadOnly } from '../lib/sqlite.js';
import { encodeTvDatagram } from '../lib/tv.js';
import { type BenchResult, CLI } from './harness.js';
import { closeSocket } from '../lib/listen.js';

const DATAGRAMS = 20_000;
const PER_SECOND = 10_000;
const GROUP = '224.1.1.1';
const PEAK_RSS = path.join(projectRoot, 'dist', 'bench', 'peak-rss.js');

async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await closeSocket(socket);
  return port;
}

/**
 * Issue 6: a burst of 20,000 datagrams at 10,000 a second, recorded whole (rows = sent), and as
 * many rows as tcpdump captures of the same burst on lo in the same run; recorder peak RSS < 100 MB.
 */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-burst-'));
  const db = path.join(dir, 'recorder.db');
  const rssFile = path.join(dir, 'rss');
  const port = await freeUdpPort();

  const tcpdump = spawn('tcpdump', ['-i', 'lo', '-n', '-p', '-B', '16384', '-w', path.join(dir, 'burst.pcap'), 'udp', 'and', 'dst', 'host', GROUP, 'and', 'dst', 'port', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tcpdumpLog = '';
  tcpdump.stderr.on('data', (chunk: Buffer) => (tcpdumpLog += chunk.toString()));
  await new Promise<void>((resolve) => tcpdump.stderr.once('data', () => resolve())); // "listening on lo"

  const recorder = spawn(
    process.execPath,
    ['--require', PEAK_RSS, CLI, 'service', 'mcast-recorder', '--recorder.db', db, '--recorder.port', String(port), '--log.format', 'json'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SOCKLAB_PROFILE: 'local', PEAK_RSS_FILE: rssFile } },
  );
  await new Promise<void>((resolve) => {
    let output = '';
    recorder.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"message":"ready"')) resolve();
    });
  });

  const sender = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', resolve));
  sender.setMulticastInterface('127.0.0.1');
  sender.setMulticastTTL(1);
  const started = performance.now();
  let sent = 0;
  while (sent < DATAGRAMS) {
    const due = Math.min(DATAGRAMS, Math.floor(((performance.now() - started) / 1000) * PER_SECOND));
    for (; sent < due; sent += 1) sender.send(encodeTvDatagram('burst1', `datagram ${sent + 1} of the burst`), port, GROUP);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  sender.close();

  await new Promise<void>((resolve) => {
    tcpdump.once('exit', () => resolve());
    tcpdump.kill('SIGINT');
  });
  await new Promise<void>((resolve) => {
    recorder.once('exit', () => resolve());
    recorder.kill('SIGTERM');
  });
  const captured = Number(/(\d+) packets captured/.exec(tcpdumpLog)?.[1] ?? NaN);
  const droppedByKernel = Number(/(\d+) packets dropped by kernel/.exec(tcpdumpLog)?.[1] ?? NaN);
  const store = openStoreReadOnly(db);
  const rows = store.prepare('SELECT count(*) FROM datagrams').pluck().get() as number;
  store.close();
  const peak = Number(readFileSync(rssFile, 'utf8').trim()) / 1024;
  rmSync(dir, { recursive: true, force: true });
  return {
    name: `mcast-recorder: a burst of ${DATAGRAMS.toLocaleString('en')} datagrams at ${PER_SECOND.toLocaleString('en')} a second, beside tcpdump`,
    table: [
      ['measure', 'value'],
      ['datagrams sent', String(DATAGRAMS)],
      ['achieved rate (/s)', Math.round(DATAGRAMS / sendSeconds).toString()],
      ['tcpdump: packets captured (dropped by kernel)', `${captured} (${droppedByKernel})`],
      ['recorder: rows stored', String(rows)],
      ['recorder peak RSS (MiB)', peak.toFixed(1)],
    ],
    verdict: `rows ${rows} = sent ${DATAGRAMS} = captured ${captured}; peak RSS ${peak.toFixed(1)} MiB (target < 100)`,
    pass: rows === DATAGRAMS && rows === captured && peak < 100,
  };
}
