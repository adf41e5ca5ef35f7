import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseOffsetReply } from '../lib/reset.js';
import { type BenchResult, portOf, startLab } from './harness.js';

const RATE = 20_000;
const DURATION_S = 3;
const SOCKETS = 4;
const DROP_PROBABILITY = 0.3;

function udpErrors(): { inErrors: number; rcvbufErrors: number } {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((line) => line.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/).map(Number);
  return { inErrors: values[names.indexOf('InErrors')]!, rcvbufErrors: values[names.indexOf('RcvbufErrors')]! };
}

/** Issue 3: 20,000 RESET:20 a second answered at 1 − p with no kernel drops (answered / expected ≥ 0.99). */
export async function run(): Promise<BenchResult> {
  const lab = await startLab([
    '--only', 'pmu-udp', '--lab.pmuUdp.port', '0', '--lab.pmuUdp.family', 'IPv4',
    '--lab.pmuUdp.dropProbability', String(DROP_PROBABILITY),
  ]);
  const port = portOf(lab.endpoints, 'pmu-udp');
  const sockets = await Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      return socket;
    }),
  );
  let answered = 0;
  let invalid = 0;
  for (const socket of sockets) {
    socket.on('message', (message) => (parseOffsetReply(message.toString('latin1'), 20) === null ? (invalid += 1) : (answered += 1)));
  }
  const before = udpErrors();
  const request = Buffer.from('RESET:20');
  const total = RATE * DURATION_S;
  let sent = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
      for (; sent < due; sent += 1) sockets[sent % SOCKETS]!.send(request, port, '127.0.0.1');
      if (sent < total) setTimeout(pump, 1);
      else resolve();
    };
    pump();
  });
  const sendSeconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = udpErrors();
  for (const socket of sockets) socket.close();
  const peak = lab.peakRssMiB();
  await lab.stop();
  const expected = total * (1 - DROP_PROBABILITY);
  const ratio = answered / expected;
  const kernelDrops = after.inErrors - before.inErrors + (after.rcvbufErrors - before.rcvbufErrors);
  return {
    name: `PMU UDP emulator: ${RATE.toLocaleString('en')} RESET:20 a second for ${DURATION_S} s (p = ${DROP_PROBABILITY})`,
    table: [
      ['measure', 'value'],
      ['requests sent', String(total)],
      ['achieved request rate (/s)', Math.round(total / sendSeconds).toString()],
      ['answers received (valid OFFSET=X)', String(answered)],
      ['invalid answers', String(invalid)],
      ['expected answers, total × (1 − p)', Math.round(expected).toString()],
      ['answered / expected', ratio.toFixed(4)],
      ['kernel UDP drops during the run (InErrors + RcvbufErrors)', String(kernelDrops)],
      ['emulator peak RSS (MiB)', peak.toFixed(1)],
    ],
    verdict: `answered / expected ${ratio.toFixed(4)} (target ≥ 0.99), kernel drops ${kernelDrops} (target 0)`,
    pass: ratio >= 0.99 && kernelDrops === 0 && invalid === 0,
  };
}
