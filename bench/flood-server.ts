import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { floodText } from '../lib/pmu/flood.js';
import { alternate, type BenchResult, median, portOf, startLab } from './harness.js';

const FLOOD_BYTES = 512 * 1024 * 1024;
const SEED = 3;
const ROUNDS = 5;

// The peer: a minimal Python PMU that reads one command and sends the same bytes with sendall.
const PYTHON_SERVER = `
import socket, sys
data = open(sys.argv[1], 'rb').read()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.recv(1024)
    c.sendall(data)
    c.close()
`;

/** socat sends the command and writes what it receives to /dev/null; returns wall ms and bytes. */
function socatFetch(port: number): { ms: number; bytes: number } {
  const started = process.hrtime.bigint();
  const result = spawnSync('bash', ['-c', `printf CMD_floodme | socat -t 60 - TCP:127.0.0.1:${port} | wc -c`], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, bytes: Number(result.stdout.trim()) };
}

/** Issue 3: a 512 MiB flood reaches socat at ≥ 0.8× the rate of a minimal Python sendall server. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-flood-'));
  const file = path.join(dir, 'flood.bin');
  writeFileSync(file, floodText(FLOOD_BYTES, SEED));
  const python = spawn('/usr/bin/python3', ['-c', PYTHON_SERVER, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pythonPort = await new Promise<number>((resolve) => python.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString()))));
  const lab = await startLab(['--only', 'pmu-tcp', '--lab.pmuTcp.port', '0', '--pmu.floodBytes', String(FLOOD_BYTES), '--pmu.floodSeed', String(SEED)]);
  const labPort = portOf(lab.endpoints, 'pmu-tcp');
  let short = 0;
  const fetch = (port: number): number => {
    const { ms, bytes } = socatFetch(port);
    if (bytes !== FLOOD_BYTES) short += 1;
    return ms;
  };
  let samples: Record<string, number[]>;
  try {
    samples = await alternate(ROUNDS, { socklab: () => fetch(labPort), python: () => fetch(pythonPort) });
  } finally {
    await lab.stop();
    python.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const ours = samples.socklab!;
  const theirs = samples.python!;
  const rate = (ms: number) => FLOOD_BYTES / 1024 / 1024 / (ms / 1000);
  const ratio = rate(median(ours)) / rate(median(theirs));
  return {
    name: 'Flood: 512 MiB CMD_floodme received by socat, socklab emulator vs minimal Python sendall server',
    table: [
      ['server', `median wall time (ms, ${ROUNDS} alternating runs)`, 'rate (MiB/s)'],
      ['socklab lab (pmu-tcp)', median(ours).toFixed(0), rate(median(ours)).toFixed(0)],
      ['python3 sendall', median(theirs).toFixed(0), rate(median(theirs)).toFixed(0)],
      ['ratio (socklab / python)', '', ratio.toFixed(2)],
    ],
    verdict: `rate ratio ${ratio.toFixed(2)} (target ≥ 0.8); transfers short of 512 MiB: ${short}`,
    pass: ratio >= 0.8 && short === 0,
  };
}
