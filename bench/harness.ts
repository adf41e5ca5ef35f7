import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';

/** Benchmarks share a noisy 2-core machine: every figure is a median over alternating runs. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs each measurement `rounds` times, interleaved, in an order that turns every round (ABC,
 * CBA, ABC…), so that neither side always runs first after the other; returns the samples by name.
 */
export async function alternate(rounds: number, runners: Record<string, () => number | Promise<number>>): Promise<Record<string, number[]>> {
  const names = Object.keys(runners);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) samples[name]!.push(await runners[name]!());
  }
  return samples;
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export const CLI = path.join(projectRoot, 'dist', 'cli', 'main.js');

export function timeCommand(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export interface RunningService {
  child: ChildProcess;
  endpoints: string[];
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakRssMiB(): number;
  /** Resident memory now (VmRSS), in MiB. */
  rssMiB(): number;
  stop(): Promise<void>;
}

const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * Starts `socklab ARGS` (a service, or the lab) in its own process, as pm2 runs it (JSON logs,
 * the Node.js flags given), so that its memory is its own; resolves once it has logged it is ready.
 */
export function startService(args: string[], nodeArgs: readonly string[] = []): Promise<RunningService> {
  const child = spawn(process.execPath, [...nodeArgs, CLI, ...args, '--log.format', 'json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, SOCKLAB_PROFILE: 'local' },
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.on('exit', (code) => reject(new Error(`socklab ${args.join(' ')} exited with ${code}: ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((entry) => entry.includes('"message":"ready"'));
      if (!line) return;
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume(); // a log line a session: read and dropped, as pm2 would write it away
      child.removeAllListeners('exit');
      resolve({
        child,
        endpoints: (JSON.parse(line) as { endpoints: string[] }).endpoints,
        peakRssMiB: () => status(child.pid!, 'VmHWM'),
        rssMiB: () => status(child.pid!, 'VmRSS'),
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** `socklab lab` in its own process, ready. */
export function startLab(args: string[]): Promise<RunningService> {
  return startService(['lab', ...args]);
}

export function portOf(endpoints: string[], part: string): number {
  const endpoint = endpoints.find((line) => line.startsWith(part));
  if (!endpoint) throw new Error(`no ${part} endpoint in ${endpoints.join(', ')}`);
  return Number(/:(\d+)/.exec(endpoint)![1]);
}

export interface BenchResult {
  name: string;
  /** Markdown table rows: [measure, value] or more columns. */
  table: string[][];
  verdict: string;
  pass: boolean;
}

export function markdown(result: BenchResult): string {
  const [head, ...rows] = result.table;
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `### ${result.name}`,
    '',
    line(head!),
    line(head!.map(() => '---')),
    ...rows.map(line),
    '',
    `${result.pass ? 'PASS' : 'FAIL'}: ${result.verdict}`,
    '',
  ].join('\n');
}
