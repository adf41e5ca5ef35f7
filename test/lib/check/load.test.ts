import { describe, expect, it } from 'vitest';
import { describeLoad, startLoadMeter } from '../../../lib/check/load.js';

describe('startLoadMeter', () => {
  it('finds the machine loaded when the checker\'s own timers could not fire, and widens the window by that much', async () => {
    const meter = startLoadMeter();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the histogram takes a first sample
    const blockedUntil = performance.now() + 400;
    while (performance.now() < blockedUntil); // the event loop held, as by a starved process
    await new Promise((resolve) => setTimeout(resolve, 50));
    const load = meter.stop();
    // The delay seen covers the block (less the 20 ms probe interval); the slack follows from it, capped at 1 s.
    expect(load.delayMs).toBeGreaterThanOrEqual(350);
    expect(load.loaded).toBe(true);
    expect(load.slackMs).toBeGreaterThanOrEqual(Math.min(1000, 2 * load.delayMs));
    expect(load.slackMs).toBeLessThanOrEqual(1000);
    expect(describeLoad(load)).toMatch(new RegExp(`^timers up to ${load.delayMs} ms late, (tasks waiting for a CPU \\d+ % of the time|CPU pressure unknown)$`));
  });
});
