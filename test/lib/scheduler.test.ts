import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { everyInterval } from '../../lib/scheduler.js';

// Time is the subject here: vitest's fake timers, moved by the test alone.
beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('interval scheduler', () => {
  it('starts cycles at start + k × interval, whatever each cycle took, skipping overrun slots', async () => {
    const starts: number[] = [];
    const durations = [100, 2500, 10, 10];
    const schedule = everyInterval(
      1000,
      async () => {
        starts.push(Date.now());
        vi.setSystemTime(Date.now() + (durations[starts.length - 1] ?? 0)); // the cycle took this long
      },
      { onError: () => undefined },
    );
    await vi.advanceTimersByTimeAsync(6000);
    await schedule.stop();
    expect(starts.slice(0, 4)).toEqual([0, 1000, 4000, 5000]);
  });

  it('keeps going after a cycle throws, and stop() waits for the cycle under way', async () => {
    const errors: unknown[] = [];
    let cycles = 0;
    const schedule = everyInterval(
      10,
      async () => {
        cycles += 1;
        if (cycles === 1) throw new Error('boom');
      },
      { onError: (error) => errors.push(error) },
    );
    await vi.advanceTimersByTimeAsync(10);
    await schedule.stop();
    expect(cycles).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
