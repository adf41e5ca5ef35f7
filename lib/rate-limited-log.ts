import type { Logger, LogLevel } from './logger.js';

export interface RateLimit {
  /** Lines written per window; past them, lines are counted and left out. */
  lines: number;
  windowMs: number;
}

/**
 * A per-event log line that cannot flood the log: at most `lines` lines a window, then one line
 * saying how many were left out. Network input (or a failing disk) decides how often these
 * events happen.
 */
export class RateLimitedLog {
  private windowStart = Number.NEGATIVE_INFINITY;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: Logger,
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  log(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.windowStart >= this.limit.windowMs) {
      if (this.suppressed > 0) {
        this.logger.log(level, 'log lines left out (rate limit)', { suppressed: this.suppressed, ...this.limit });
      }
      this.windowStart = now;
      this.written = 0;
      this.suppressed = 0;
    }
    if (this.written < this.limit.lines) {
      this.written += 1;
      this.logger.log(level, message, fields);
    } else {
      this.suppressed += 1;
    }
  }
}
