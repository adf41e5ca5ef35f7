import { describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../../lib/rate-limited-log.js';
import { memoryLogger } from '../helpers.js';

describe('RateLimitedLog', () => {
  it('writes at most `lines` a window, then says how many it left out when the next window starts', () => {
    let now = 0;
    const { logger, lines } = memoryLogger();
    const log = new RateLimitedLog(logger, { lines: 2, windowMs: 1000 }, () => now);
    for (let event = 0; event < 10; event += 1) log.log('warn', 'event', { event });
    expect(lines().map((line) => line.event)).toEqual([0, 1]);
    now = 999;
    log.log('warn', 'event', { event: 10 });
    expect(lines()).toHaveLength(2);
    now = 1000;
    log.log('warn', 'event', { event: 11 });
    expect(lines().slice(2)).toEqual([
      expect.objectContaining({ level: 'warn', message: 'log lines left out (rate limit)', suppressed: 9, lines: 2, windowMs: 1000 }),
      expect.objectContaining({ message: 'event', event: 11 }),
    ]);
  });
});
