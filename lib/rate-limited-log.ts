import type { Logger, LogLevel } from './logger.js';

/**
 * A per-event log line that cannot flood the log: at most `perSecond` lines a second, then one
 * line saying how many were left out. Network input decides how often these events happen.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) {
        this.logger.log(level, 'log lines left out (rate limit)', { suppressed: this.suppressed, perSecond: this.perSecond });
      }
      this.windowStart = now;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written < this.perSecond) {
      this.written += 1;
      this.logger.log(level, message, fields);
    } else {
      this.suppressed += 1;
    }
  }
}
