import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DescribedCounters, describeCounters } from './counters.js';

const HISTORY_MS = 60 * 60 * 1000;
const SAMPLE_EVERY_MS = 30 * 1000;
const NO_COUNTERS: DescribedCounters = { groups: [], runtime: [] };

export interface AppStatus {
  name: string;
  status: string;
  uptimeMs: number | null;
  restarts: number | null;
  cpu: number | null;
  memory: number | null;
  /** The app's own counters, as it publishes them to pm2 (lib/pm2-metrics.ts). */
  metrics: Record<string, string>;
  /** The same, grouped and named for people, the runtime's internals apart. */
  counters: DescribedCounters;
  /** Its memory over the last hour, oldest first, a sample per read at most every 30 s (a sparkline). */
  memoryHistory: number[];
  /** The last lines of its pm2 log (standard output). */
  log: string[];
}

const TAIL_BYTES = 64 * 1024;

/** The last `lines` lines of a file, reading only its end. */
export function tail(file: string, lines: number): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8').split('\n').filter(Boolean);
    return text.slice(size > length ? Math.max(1, text.length - lines) : -lines); // a cut first line is left out
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface Pm2Process {
  name?: string;
  monit?: { cpu?: number; memory?: number };
  pm2_env?: { status?: string; pm_uptime?: number; restart_time?: number; pm_out_log_path?: string; axm_monitor?: Record<string, { value?: unknown; unit?: string }> };
}

interface Pm2Bus {
  on(event: string, listener: (packet: { event?: string; process?: { name?: string } }) => void): void;
  close?(): void;
}

interface Pm2Api {
  connect(callback: (error: Error | null) => void): void;
  list(callback: (error: Error | null, list: Pm2Process[]) => void): void;
  launchBus(callback: (error: Error | null, bus: Pm2Bus) => void): void;
  disconnect(): void;
}

/**
 * The socklab apps and what pm2 says of them, through pm2's programmatic API. The dashboard
 * never starts a pm2 daemon: with none running (no rpc.sock in PM2_HOME), every app is
 * "not under pm2".
 */
export class Pm2Status {
  private api: Pm2Api | undefined;

  constructor(private readonly apps: readonly string[]) {}

  /**
   * Calls `onChange` when pm2 reports a change of state of one of the apps (online, exit, restart,
   * stop), from pm2's event bus; with no pm2 running, never.
   */
  async follow(onChange: (app: string, event: string) => void): Promise<void> {
    const home = process.env.PM2_HOME ?? path.join(os.homedir(), '.pm2');
    if (!existsSync(path.join(home, 'rpc.sock'))) return;
    const api = await this.connected();
    const bus = await new Promise<Pm2Bus>((resolve, reject) => api.launchBus((error, launched) => (error ? reject(error) : resolve(launched))));
    bus.on('process:event', (packet) => {
      const name = packet.process?.name;
      if (name && this.apps.includes(name)) onChange(name, packet.event ?? 'changed');
    });
  }

  /** The last `lines` lines of an app's pm2 log, when pm2 runs it. */
  async logOf(app: string, lines: number): Promise<string[]> {
    const home = process.env.PM2_HOME ?? path.join(os.homedir(), '.pm2');
    if (!existsSync(path.join(home, 'rpc.sock'))) return [];
    const api = await this.connected();
    const list = await new Promise<Pm2Process[]>((resolve, reject) => api.list((error, processes) => (error ? reject(error) : resolve(processes))));
    const file = list.find((process) => process.name === app)?.pm2_env?.pm_out_log_path;
    return file ? tail(file, lines) : [];
  }

  async read(): Promise<{ apps: AppStatus[]; note: string }> {
    const home = process.env.PM2_HOME ?? path.join(os.homedir(), '.pm2');
    const idle = (note: string) => ({ apps: this.apps.map((name) => ({ name, status: 'not under pm2', uptimeMs: null, restarts: null, cpu: null, memory: null, metrics: {}, counters: NO_COUNTERS, memoryHistory: [], log: [] })), note });
    if (!existsSync(path.join(home, 'rpc.sock'))) return idle(`pm2 is not running (PM2_HOME ${home}): npm start`);
    try {
      const api = await this.connected();
      const list = await new Promise<Pm2Process[]>((resolve, reject) => api.list((error, processes) => (error ? reject(error) : resolve(processes))));
      const now = Date.now();
      return {
        apps: this.apps.map((name) => {
          const found = list.find((process) => process.name === name);
          if (!found) return { name, status: 'not started', uptimeMs: null, restarts: null, cpu: null, memory: null, metrics: {}, counters: NO_COUNTERS, memoryHistory: [], log: [] };
          const env = found.pm2_env ?? {};
          const metrics = Object.fromEntries(
            Object.entries(env.axm_monitor ?? {}).map(([metric, { value, unit }]) => [metric, `${String(value)}${unit ? ` ${unit}` : ''}`]),
          );
          return {
            name,
            status: env.status ?? 'unknown',
            uptimeMs: env.status === 'online' && env.pm_uptime ? now - env.pm_uptime : null,
            restarts: env.restart_time ?? null,
            cpu: found.monit?.cpu ?? null,
            memory: found.monit?.memory ?? null,
            metrics,
            counters: describeCounters(name, metrics),
            memoryHistory: this.remember(name, now, found.monit?.memory ?? null),
            log: env.pm_out_log_path ? tail(env.pm_out_log_path, 5) : [],
          };
        }),
        note: '',
      };
    } catch (error) {
      this.api = undefined;
      return idle(`pm2 did not answer: ${(error as Error).message}`);
    }
  }

  private readonly history = new Map<string, Array<{ at: number; memory: number }>>();

  /** Keeps a memory sample (at most one per 30 s, the last hour) and returns the hour's values. */
  private remember(app: string, now: number, memory: number | null): number[] {
    const samples = (this.history.get(app) ?? []).filter((sample) => now - sample.at <= HISTORY_MS);
    if (memory !== null && (samples.length === 0 || now - samples.at(-1)!.at >= SAMPLE_EVERY_MS)) samples.push({ at: now, memory });
    this.history.set(app, samples);
    return samples.map((sample) => sample.memory);
  }

  private async connected(): Promise<Pm2Api> {
    if (this.api) return this.api;
    const api = (await import('pm2')).default as unknown as Pm2Api;
    await new Promise<void>((resolve, reject) => api.connect((error) => (error ? reject(error) : resolve())));
    this.api = api;
    return api;
  }

  close(): void {
    this.api?.disconnect();
    this.api = undefined;
  }
}
