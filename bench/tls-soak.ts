import net from 'node:net';
import type { BenchResult } from './harness.js';
import { graderExchange, startTlsPmu } from './tls-pmu-process.js';

const SESSIONS = 100_000;
const CONCURRENCY = 32;
const SAMPLE_EVERY = 10_000;
const IDLE_MS = 10_000;

/** A connection that is not a TLS client: plain PMU text, a ClientHello cut short by a FIN, or gone at once. */
function junk(port: number, kind: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      if (kind === 0) socket.end('CMD_short:0\n');
      else if (kind === 1) socket.end(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]));
      else socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.resume();
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('close', () => resolve());
  });
}

/** Issue 10: tls-pmu's memory over 100,000 sessions, half real (grader-like), half junk, then idle. */
export async function run(): Promise<BenchResult> {
  const server = await startTlsPmu();
  const samples: Array<[string, number]> = [['start', server.rssMiB()]];
  let next = 0;
  let failedReal = 0;
  const started = performance.now();
  try {
    const worker = async (): Promise<void> => {
      for (let index = next++; index < SESSIONS; index = next++) {
        if (index % 2 === 0) {
          if (!(await graderExchange(server.port, server.ca)).ok) failedReal += 1;
        } else await junk(server.port, (index >> 1) % 3);
        if ((index + 1) % SAMPLE_EVERY === 0) samples.push([(index + 1).toLocaleString('en'), server.rssMiB()]);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    samples.push([`idle ${IDLE_MS / 1000} s`, server.rssMiB()]);
    const peak = Math.max(...samples.map(([, rss]) => rss));
    const half = samples.find(([label]) => label === (SESSIONS / 2).toLocaleString('en'))![1];
    const end = samples.find(([label]) => label === SESSIONS.toLocaleString('en'))![1];
    const lateGrowth = end - half;
    return {
      name: `TLS PMU: resident memory over ${SESSIONS.toLocaleString('en')} sessions (half grader-like over TLS, half junk), ${CONCURRENCY} at once, then idle`,
      table: [['sessions', 'RSS MiB'], ...samples.map(([label, rss]) => [label, rss.toFixed(1)])],
      verdict: `${seconds.toFixed(0)} s, ${failedReal} real sessions failed; peak ${peak.toFixed(1)} MiB (target < 150); growth over the second half ${lateGrowth.toFixed(1)} MiB (levels off: < 10)`,
      pass: peak < 150 && lateGrowth < 10 && failedReal === 0,
    };
  } finally {
    await server.stop();
  }
}
