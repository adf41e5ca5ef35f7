import { socklabError, type SocklabError } from './errors.js';
import type { Logger } from './logger.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { describeStoreError, isStoreUnusable, sqliteCode } from './sqlite.js';

export interface StoreWriterOptions {
  /** The store's file, named in every error line. */
  file: string;
  /** Longest a row waits before its batch is committed; 0 commits each row as it comes. */
  batchMs: number;
  /** Most rows in one transaction. */
  batchRows: number;
  /** Most rows held while the store cannot take them; past it, new rows are counted lost. */
  maxPendingRows: number;
  /** Wait before the first retry of a failed write; it doubles up to `retryMaxMs`. */
  retryFirstMs: number;
  retryMaxMs: number;
  /** How often a store that keeps failing is logged again. */
  errorLogEveryMs: number;
}

/** Retry and logging pace for a service's store: quick first retry, at most one error line per 10 s. */
export const STORE_RETRY = { retryFirstMs: 100, retryMaxMs: 5000, errorLogEveryMs: 10_000 } as const;

export interface StoreWriterCounters {
  /** Rows handed to the writer. */
  accepted: number;
  stored: number;
  /** Rows that will never be stored: dropped from a full backlog, or still pending at close. */
  lost: number;
  pending: number;
  batches: number;
  failedWrites: number;
}

/**
 * Batches rows into a SQLite store so that nothing is lost silently. Rows wait in a bounded
 * backlog; each transaction takes at most `batchRows` of them, so that a backlog never becomes one
 * transaction too large to commit. A write that fails for a reason that may pass (disk full, busy,
 * I/O) is retried with exponential back-off, and storing resumes by itself once the cause is gone.
 * A store that cannot be used (damaged, not a database, read-only) is reported to `onUnusable`
 * once, so that the service ends and pm2 shows the restarts. Errors are logged at a bounded rate,
 * each naming the file and the SQLite code.
 */
export class StoreWriter<Row> {
  private pending: Row[] = [];
  private readonly counts = { accepted: 0, stored: 0, lost: 0, batches: 0, failedWrites: 0 };
  private timer: NodeJS.Timeout | undefined;
  private retryMs = 0;
  private unusable: SocklabError | undefined;
  private closed = false;
  private readonly errorLog: RateLimitedLog;
  private readonly overflowLog: RateLimitedLog;

  constructor(
    private readonly options: Readonly<StoreWriterOptions>,
    private readonly write: (rows: readonly Row[]) => void,
    private readonly logger: Logger,
    private readonly onUnusable: (error: SocklabError) => void,
  ) {
    this.errorLog = new RateLimitedLog(logger, { lines: 1, windowMs: options.errorLogEveryMs });
    this.overflowLog = new RateLimitedLog(logger, { lines: 1, windowMs: options.errorLogEveryMs });
  }

  get counters(): StoreWriterCounters {
    return { ...this.counts, pending: this.pending.length };
  }

  push(row: Row): void {
    this.counts.accepted += 1;
    if (this.closed || this.pending.length >= this.options.maxPendingRows) {
      this.counts.lost += 1;
      this.overflowLog.log('error', 'backlog full: rows dropped', {
        file: this.options.file,
        maxPendingRows: this.options.maxPendingRows,
        lost: this.counts.lost,
      });
      return;
    }
    this.pending.push(row);
    if (this.retryMs > 0 || this.unusable) return; // a retry is planned, or the store is given up
    if (this.options.batchMs === 0 || this.pending.length >= this.options.batchRows) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchMs);
  }

  /** Commits one batch, and plans the next one (on the next turn of the event loop) if more wait. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unusable || this.pending.length === 0) return;
    if (!this.writeBatch()) return;
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), 0);
  }

  /** Stops taking rows and commits what it can; returns the final counts (`lost` includes what stayed pending). */
  close(): StoreWriterCounters {
    this.closed = true;
    clearTimeout(this.timer);
    while (!this.unusable && this.pending.length > 0 && this.writeBatch());
    this.counts.lost += this.pending.length;
    this.pending = [];
    return this.counters;
  }

  private writeBatch(): boolean {
    const batch = this.pending.slice(0, this.options.batchRows);
    try {
      this.write(batch);
    } catch (error) {
      this.failed(error);
      return false;
    }
    this.pending.splice(0, batch.length);
    this.counts.stored += batch.length;
    this.counts.batches += 1;
    if (this.retryMs > 0) {
      this.retryMs = 0;
      this.logger.warn('store writable again', { file: this.options.file, pending: this.pending.length, lost: this.counts.lost });
    }
    return true;
  }

  private failed(error: unknown): void {
    this.counts.failedWrites += 1;
    const problem = describeStoreError(this.options.file, error);
    if (isStoreUnusable(error)) {
      this.unusable = socklabError('SOCKLAB_ERR_STORE', `${problem} (the store cannot be used: move it aside or repair it)`);
      this.logger.error('store unusable', { file: this.options.file, code: sqliteCode(error) ?? null, error: problem, pending: this.pending.length });
      this.onUnusable(this.unusable);
      return;
    }
    this.retryMs = this.retryMs === 0 ? this.options.retryFirstMs : Math.min(this.retryMs * 2, this.options.retryMaxMs);
    this.errorLog.log('error', 'store write failed, will retry', {
      file: this.options.file,
      code: sqliteCode(error) ?? null,
      error: problem,
      pending: this.pending.length,
      lost: this.counts.lost,
      retryInMs: this.retryMs,
    });
    if (!this.closed) this.timer = setTimeout(() => this.flush(), this.retryMs);
  }
}
