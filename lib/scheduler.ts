export interface Schedule {
  /** Stops planning cycles and waits for the one under way. */
  stop(): Promise<void>;
}

export interface ScheduleHooks {
  /** A cycle threw; the schedule goes on. */
  onError(error: unknown): void;
  /** A cycle outlasted its interval: `skipped` slots were left out, the next cycle starts at the next tick. */
  onOverrun?(overrun: { slot: number; durationMs: number; skipped: number }): void;
}

/**
 * Runs `cycle(slot)` every `intervalMs`, without drift: cycle k starts at start + k × interval, so
 * a slow cycle delays only itself; slots it overran are skipped, not queued, and reported.
 */
export function everyInterval(
  intervalMs: number,
  cycle: (slot: number) => Promise<void>,
  hooks: ScheduleHooks,
): Schedule {
  const startedAt = Date.now();
  let slot = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  const run = (): void => {
    const began = Date.now();
    running = (async () => {
      try {
        await cycle(slot);
      } catch (error) {
        hooks.onError(error);
      }
    })();
    void running.then(() => plan(began));
  };
  const plan = (began: number): void => {
    if (stopped) return;
    const now = Date.now();
    const next = intervalMs > 0 ? Math.max(slot + 1, Math.floor((now - startedAt) / intervalMs) + 1) : slot + 1;
    if (next > slot + 1) hooks.onOverrun?.({ slot, durationMs: now - began, skipped: next - slot - 1 });
    slot = next;
    timer = setTimeout(run, Math.max(0, startedAt + slot * intervalMs - now));
  };
  run();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
