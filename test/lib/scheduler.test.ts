import { describe, expect, it } from 'vitest';
import { everyInterval } from '../../lib/scheduler.js';
import { FakeClock } from '../helpers.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('interval scheduler', () => {
  it('starts cycles at start + k × interval, whatever each cycle took, skipping overrun slots', async () => {
    const clock = new FakeClock(0);
    const starts: number[] = [];
    const durations = [100, 2500, 10, 10];
    const schedule = everyInterval(
      1000,
      async () => {
        starts.push(clock.now());
        clock.advance(durations[starts.length - 1] ?? 0);
      },
      { onError: () => undefined },
      clock,
    );
    for (let step = 0; step < 6; step += 1) {
      await settle();
      clock.advance(1000);
    }
    await schedule.stop();
    expect(starts.slice(0, 4)).toEqual([0, 1000, 4000, 5000]);
  });

  it('keeps going after a cycle throws, and stop() waits for the cycle under way', async () => {
    const clock = new FakeClock(0);
    const errors: unknown[] = [];
    let cycles = 0;
    const schedule = everyInterval(
      10,
      async () => {
        cycles += 1;
        if (cycles === 1) throw new Error('boom');
      },
      { onError: (error) => errors.push(error) },
      clock,
    );
    await settle();
    clock.advance(10);
    await settle();
    await schedule.stop();
    expect(cycles).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
