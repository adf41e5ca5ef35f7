import { type Clock, systemClock } from './clock.js';

export interface Schedule {
  /** Stops planning cycles and waits for the one under way. */
  stop(): Promise<void>;
}

/**
 * Runs `cycle` every `intervalMs`, without drift: cycle k starts at start + k × interval, so a
 * slow cycle delays only itself; slots it overran are skipped, not queued. A cycle that throws
 * is reported and the schedule goes on.
 */
export function everyInterval(
  intervalMs: number,
  cycle: () => Promise<void>,
  onError: (error: unknown) => void,
  clock: Clock = systemClock,
): Schedule {
  const startedAt = clock.now();
  let slot = 0;
  let timer: unknown;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const run = (): void => {
    running = (async () => {
      try {
        await cycle();
      } catch (error) {
        onError(error);
      }
    })();
    void running.then(plan);
  };
  const plan = (): void => {
    if (stopped) return;
    const now = clock.now();
    slot = intervalMs > 0 ? Math.max(slot + 1, Math.floor((now - startedAt) / intervalMs) + 1) : slot + 1;
    timer = clock.setTimeout(run, Math.max(0, startedAt + slot * intervalMs - now));
  };
  run();
  return {
    stop: async () => {
      stopped = true;
      clock.clearTimeout(timer);
      await running;
    },
  };
}
