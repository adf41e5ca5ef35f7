/**
 * A service's counters as pm2 custom metrics: every second, the `axm:monitor` message over the
 * IPC channel pm2 gives its apps, so that they show in `pm2 show NAME`, `pm2 monit` and pm2's
 * process list (`pm2_env.axm_monitor`, which the dashboard reads). This is the message @pm2/io
 * sends, and pm2 merges it with the heap metrics of the @pm2/io it loads into its apps; sending
 * it directly keeps `socklab service` outside pm2 free of @pm2/io's exception handler and
 * inspector session.
 */
export class Pm2Metrics {
  private readonly metrics = new Map<string, { read: () => number | string | null; unit: string }>();
  private timer: NodeJS.Timeout | undefined;

  /** A value read at each publication; `unit` is shown beside it ("B", "rows/s"…). */
  gauge(name: string, read: () => number | string | null, unit = ''): void {
    this.metrics.set(name, { read, unit });
  }

  /** The metrics as pm2 receives them. */
  snapshot(): Record<string, { value: number | string; unit: string; type: string; historic: boolean }> {
    const data: Record<string, { value: number | string; unit: string; type: string; historic: boolean }> = {};
    for (const [name, { read, unit }] of this.metrics) {
      const value = read();
      if (value !== null && !(typeof value === 'number' && Number.isNaN(value))) data[name] = { value, unit, type: name, historic: true };
    }
    return data;
  }

  /** Publishes every `everyMs` while pm2 (or any parent with an IPC channel) listens; otherwise does nothing. */
  start(everyMs = 1000): void {
    if (typeof process.send !== 'function') return;
    this.timer = setInterval(() => {
      if (process.connected) process.send?.({ type: 'axm:monitor', data: this.snapshot() });
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** A per-second rate of a growing count, for gauges such as "rows/s". */
export function ratePerSecond(count: () => number, now: () => number = Date.now): () => number {
  let last = { at: now(), value: count() };
  return () => {
    const current = { at: now(), value: count() };
    const seconds = (current.at - last.at) / 1000;
    const rate = seconds > 0 ? (current.value - last.value) / seconds : 0;
    last = current;
    return Math.round(rate * 10) / 10;
  };
}
