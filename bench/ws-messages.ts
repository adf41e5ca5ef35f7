import { spawnSync } from 'node:child_process';
import { alternate, type BenchResult, CLI, median, portOf, startLab } from './harness.js';

const MESSAGES = 100_000;
const ROUNDS = 5;

// The peer: a minimal ws client that only counts the messages.
const COUNTING_CLIENT = `
const WebSocket = require('ws');
let count = 0;
const ws = new WebSocket(process.argv[1]);
ws.on('open', () => ws.send('CMD_short:0'));
ws.on('message', () => { count += 1; });
ws.on('close', () => { if (count !== ${MESSAGES}) { console.error('got', count); process.exit(1); } });
`;

function timed(args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', cwd: process.cwd() });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Issue 4: 100,000 short WebSocket messages received at ≥ 0.8× the rate of a minimal counting ws client. */
export async function run(): Promise<BenchResult> {
  const lab = await startLab([
    '--only', 'pmu-ws', '--lab.pmuWs.port', '0',
    '--pmu.messagesMin', String(MESSAGES), '--pmu.messagesMax', String(MESSAGES),
  ]);
  const url = `ws://127.0.0.1:${portOf(lab.endpoints, 'pmu-ws')}`;
  let samples: Record<string, number[]>;
  try {
    samples = await alternate(ROUNDS, {
      minimal: () => timed(['-e', COUNTING_CLIENT, url]),
      socklab: () => timed([CLI, 'ws', 'CMD_short:0', '--url', url]),
    });
  } finally {
    await lab.stop();
  }
  const ours = samples.socklab!;
  const theirs = samples.minimal!;
  const rate = (ms: number) => MESSAGES / (ms / 1000);
  const ratio = rate(median(ours)) / rate(median(theirs));
  return {
    name: `WebSocket client: ${MESSAGES.toLocaleString('en')} messages, \`socklab ws CMD_short:0 > /dev/null\` vs a minimal counting ws client`,
    table: [
      ['client', `median wall time (ms, ${ROUNDS} alternating runs)`, 'messages / s'],
      ['minimal ws client (counts only)', median(theirs).toFixed(0), rate(median(theirs)).toFixed(0)],
      ['socklab ws (prints every message)', median(ours).toFixed(0), rate(median(ours)).toFixed(0)],
      ['rate ratio socklab / minimal', '', ratio.toFixed(2)],
    ],
    verdict: `rate ratio ${ratio.toFixed(2)} (target ≥ 0.8)`,
    pass: ratio >= 0.8,
  };
}
