import { statSync } from 'node:fs';
import { createLogger } from '../lib/logger.js';
import { openStoreReadOnly } from '../lib/sqlite.js';
import { ResetProber } from '../services/reset-prober/prober.js';
import { ProberStore } from '../services/reset-prober/store.js';

/**
 * Runs the reset-prober's cycles back to back in a process of its own, started with the Node.js
 * flags pm2 gives the service, and prints one JSON line of measurements at each checkpoint.
 * Arguments: PORT STORE CYCLES CHECKPOINT...
 */
async function main(): Promise<void> {
  const [port, file, cycles, ...checkpoints] = process.argv.slice(2);
  const marks = new Set(checkpoints.map(Number));
  const logger = createLogger({ service: 'reset-prober', level: 'warn', format: 'json', dir: '', rotateBytes: 1e7, keepFiles: 1 });
  const prober = new ResetProber(
    { hosts: ['127.0.0.1', '::1'], port: Number(port), n: 20, timeoutMs: 2, maxRounds: 3, intervalMs: 0, maxPendingRows: 1000 },
    new ProberStore(file!),
    logger,
  );
  // Logical size of the store (main file plus what the WAL adds), independent of checkpoint timing.
  const storeBytes = (): number => {
    const db = openStoreReadOnly(file!);
    try {
      return db.prepare('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  for (let cycle = 1; cycle <= Number(cycles); cycle += 1) {
    await prober.cycle();
    if (marks.has(cycle)) {
      process.stdout.write(`${JSON.stringify({ cycle, rss: process.memoryUsage().rss, store: storeBytes(), file: statSync(file!).size })}\n`);
    }
  }
  await prober.close();
  process.stdout.write(`${JSON.stringify({ done: prober.counters.probes / 2 })}\n`);
}

void main();
