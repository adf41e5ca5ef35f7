import { spawn, spawnSync } from 'node:child_process';
import { alternate, type BenchResult, CLI, median } from './harness.js';

const ROUNDS = 7;
const ZERO_PORTS = ['--lab.pmuTcp.port', '0', '--lab.pmuUdp.port', '0', '--lab.tv.port', '0', '--lab.pmuWs.port', '0'];

/** `socklab campus -- true`, from start to exit: namespaces made, emulators started and stopped. */
function campusTrue(): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [CLI, 'campus', '--', 'true'], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`socklab campus -- true exited ${result.status}`);
  return performance.now() - started;
}

/** `socklab lab` by itself: from start to ready, then SIGTERM to exit. */
function labAlone(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'lab', '--log.format', 'json', ...ZERO_PORTS], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"message":"ready"')) child.kill('SIGTERM');
    });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`socklab lab exited ${code}`))));
  });
}

/** Issue 12: the campus's cost over the emulators' own start and stop. */
export async function run(): Promise<BenchResult> {
  const samples = await alternate(ROUNDS, { campus: campusTrue, lab: labAlone });
  const ratio = median(samples.campus!) / median(samples.lab!);
  return {
    name: '`socklab campus -- true` (namespaces, lo set up, hosts file, emulators started and stopped) vs `socklab lab` started and stopped',
    table: [
      ['command', `median ms (${ROUNDS} alternating runs)`, 'samples'],
      ['socklab campus -- true', median(samples.campus!).toFixed(0), samples.campus!.map((value) => value.toFixed(0)).join(', ')],
      ['socklab lab (start, ready, SIGTERM)', median(samples.lab!).toFixed(0), samples.lab!.map((value) => value.toFixed(0)).join(', ')],
      ['ratio', ratio.toFixed(2), ''],
    ],
    verdict: `ratio ${ratio.toFixed(2)} (target ≤ 2)`,
    pass: ratio <= 2,
  };
}
