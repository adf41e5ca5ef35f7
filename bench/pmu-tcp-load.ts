import net from 'node:net';
import { type BenchResult, percentile, portOf, startLab } from './harness.js';

const SESSIONS = 1000;
const MESSAGES = 10;
const INTERVAL_MS = 1000;
const MARKER = 'This is PMU data ';

/**
 * Issue 3: 1,000 concurrent CMD_short:1 sessions of 10 messages each; every message within
 * 100 ms of its schedule (the session's first message + (i − 1) × d), peak RSS of the emulator
 * under 150 MB. The first message's delay after the command (which includes the 1,000
 * simultaneous connections being accepted) is reported on its own.
 */
export async function run(): Promise<BenchResult> {
  const lab = await startLab([
    '--only', 'pmu-tcp', '--lab.pmuTcp.port', '0',
    '--pmu.messagesMin', String(MESSAGES), '--pmu.messagesMax', String(MESSAGES),
  ]);
  const port = portOf(lab.endpoints, 'pmu-tcp');
  const lateness: number[] = [];
  const firstMessageDelay: number[] = [];
  let incomplete = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SESSIONS }, () =>
      new Promise<void>((resolve) => {
        let sentAt = 0;
        let firstAt = 0;
        let text = '';
        let seen = 0;
        const socket = net.connect({ host: '127.0.0.1', port }, () => {
          sentAt = performance.now();
          socket.write('CMD_short:1');
        });
        socket.setTimeout(30_000, () => socket.destroy());
        socket.on('data', (chunk: Buffer) => {
          const now = performance.now();
          text += chunk.toString('latin1');
          // each message is its own write, a second apart: its first bytes mark its arrival
          const count = text.split(MARKER).length - 1;
          for (; seen < count; seen += 1) {
            if (seen === 0) {
              firstAt = now;
              firstMessageDelay.push(now - sentAt);
            } else {
              lateness.push(now - (firstAt + seen * INTERVAL_MS));
            }
          }
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (seen !== MESSAGES) incomplete += 1;
          resolve();
        });
      }),
    ),
  );
  const wallS = (performance.now() - started) / 1000;
  const peak = lab.peakRssMiB();
  await lab.stop();
  const worst = Math.max(...lateness);
  const received = lateness.length + firstMessageDelay.length;
  const pass = incomplete === 0 && received === SESSIONS * MESSAGES && worst < 100 && peak < 150;
  return {
    name: `PMU TCP emulator: ${SESSIONS} concurrent CMD_short:1 sessions × ${MESSAGES} messages`,
    table: [
      ['measure', 'value'],
      ['messages received / expected', `${received} / ${SESSIONS * MESSAGES}`],
      ['sessions incomplete', String(incomplete)],
      ['lateness vs schedule, median (ms)', percentile(lateness, 0.5).toFixed(1)],
      ['lateness vs schedule, p99 (ms)', percentile(lateness, 0.99).toFixed(1)],
      ['lateness vs schedule, max (ms)', worst.toFixed(1)],
      ['first message after the command, median (ms)', percentile(firstMessageDelay, 0.5).toFixed(1)],
      ['first message after the command, max (ms)', Math.max(...firstMessageDelay).toFixed(1)],
      ['emulator peak RSS (MiB)', peak.toFixed(1)],
      ['wall time (s)', wallS.toFixed(1)],
    ],
    verdict: `max lateness ${worst.toFixed(1)} ms (target < 100), peak RSS ${peak.toFixed(1)} MiB (target < 150)`,
    pass,
  };
}
