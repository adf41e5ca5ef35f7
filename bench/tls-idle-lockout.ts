import net from 'node:net';
import { type BenchResult, median, percentile } from './harness.js';
import { graderExchange, type GraderExchange, startTlsPmu } from './tls-pmu-process.js';

const SQUATTERS = 2000;
const EXCHANGES = 60;
/** A ClientHello that never ends: the record header promises 512 bytes, one comes. */
const STALLED_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);

/**
 * Holds `count` connections open from another loopback address, half idle, half stalled in their
 * ClientHello, and opens a new one whenever the server closes one, until `stop()`: the pressure of
 * a client that keeps squatting, bounded in count and ended by the benchmark.
 */
function squat(port: number, count: number): { stop(): void; opened: () => number } {
  let stopped = false;
  let opened = 0;
  const sockets = new Set<net.Socket>();
  const open = (index: number): void => {
    if (stopped) return;
    opened += 1;
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' }, () => {
      if (index % 2 === 1) socket.write(STALLED_HELLO);
    });
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      setTimeout(() => open(index), 10);
    });
  };
  for (let index = 0; index < count; index += 1) open(index);
  return {
    stop: () => {
      stopped = true;
      for (const socket of sockets) socket.destroy();
    },
    opened: () => opened,
  };
}

async function exchanges(port: number, ca: Buffer): Promise<GraderExchange[]> {
  const results: GraderExchange[] = [];
  for (let index = 0; index < EXCHANGES; index += 1) results.push(await graderExchange(port, ca));
  return results;
}

/** Issue 10: the grader-like client with 2,000 idle or stalled connections held open, beside the same client alone. */
export async function run(): Promise<BenchResult> {
  const server = await startTlsPmu();
  let quiet: GraderExchange[];
  let squatted: GraderExchange[];
  let squatterConnections = 0;
  try {
    quiet = await exchanges(server.port, server.ca);
    const squatter = squat(server.port, SQUATTERS);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the squatters take every slot
    squatted = await exchanges(server.port, server.ca);
    squatterConnections = squatter.opened();
    squatter.stop();
  } finally {
    await server.stop();
  }
  const describe = (results: GraderExchange[]) => {
    const times = results.filter((result) => result.ok).map((result) => result.handshakeMs);
    return { ok: times.length, median: times.length ? median(times) : Number.NaN, p95: times.length ? percentile(times, 0.95) : Number.NaN };
  };
  const alone = describe(quiet);
  const under = describe(squatted);
  const ratio = under.median / alone.median;
  return {
    name: `TLS PMU: a grader-like client (verifying, CMD_short:0) alone and under ${SQUATTERS.toLocaleString('en')} idle or stalled connections (tlsPmu.maxConnections 500)`,
    table: [
      ['client', `served / ${EXCHANGES}`, 'handshake ms, median', 'p95'],
      ['alone', String(alone.ok), alone.median.toFixed(1), alone.p95.toFixed(1)],
      [`under ${SQUATTERS} squatters (${squatterConnections} connections opened)`, String(under.ok), under.median.toFixed(1), under.p95.toFixed(1)],
      ['ratio (under / alone)', '', ratio.toFixed(2), ''],
    ],
    verdict: `${under.ok}/${EXCHANGES} served under ${SQUATTERS} squatters (alone ${alone.ok}/${EXCHANGES}); handshake median ${under.median.toFixed(1)} ms vs ${alone.median.toFixed(1)} ms (target: every exchange served)`,
    pass: under.ok === EXCHANGES && alone.ok === EXCHANGES,
  };
}
