import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the machine could do while a part ran: how late the emulators' timers fired, and how much runnable work waited for a CPU. */
export interface Load {
  /** The longest the checker's event loop (its emulators and a 20 ms probe timer) was late, in ms. */
  delayMs: number;
  /** Share of the time some task waited for a CPU (Linux PSI, /proc/pressure/cpu), or null where the kernel does not tell. */
  cpuPressure: number | null;
  loaded: boolean;
  /** How much a timing window is widened on such a machine. */
  slackMs: number;
}

/** Past either, a timing verdict is not the program's alone. */
const LOADED_DELAY_MS = 50;
const LOADED_PRESSURE = 0.3;
const MAX_SLACK_MS = 1000;

/** Total stall time in µs, or null. */
function cpuStallMicroseconds(): number | null {
  try {
    const total = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1];
    return total === undefined ? null : Number(total);
  } catch {
    return null;
  }
}

/** Measures the load while something runs: `stop()` says how loaded the machine was since the meter started. */
export function startLoadMeter(): { stop(): Load } {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  const stallAtStart = cpuStallMicroseconds();
  const startedAt = performance.now();
  return {
    stop(): Load {
      histogram.disable();
      const delayMs = Math.round(Math.max(0, histogram.max / 1e6 - 20));
      const stall = cpuStallMicroseconds();
      const elapsedUs = (performance.now() - startedAt) * 1000;
      const cpuPressure = stall === null || stallAtStart === null || elapsedUs <= 0 ? null : Math.min(1, (stall - stallAtStart) / elapsedUs);
      const loaded = delayMs > LOADED_DELAY_MS || (cpuPressure ?? 0) > LOADED_PRESSURE;
      const slackMs = loaded ? Math.round(Math.min(MAX_SLACK_MS, Math.max(2 * delayMs, (cpuPressure ?? 0) * 1000))) : 0;
      return { delayMs, cpuPressure, loaded, slackMs };
    },
  };
}

export function describeLoad(load: Load): string {
  const pressure = load.cpuPressure === null ? 'CPU pressure unknown' : `tasks waiting for a CPU ${Math.round(load.cpuPressure * 100)} % of the time`;
  return `timers up to ${load.delayMs} ms late, ${pressure}`;
}
