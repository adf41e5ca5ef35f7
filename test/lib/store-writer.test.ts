import { describe, expect, it, vi } from 'vitest';
import { StoreWriter } from '../../lib/store-writer.js';
import { memoryLogger } from '../helpers.js';

/** An error as better-sqlite3 throws it: a SqliteError with SQLite's result code. */
function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

function writer(failWith: () => Error | null, maxPendingRows = 1000) {
  const { logger, lines } = memoryLogger('store');
  const batches: number[][] = [];
  const unusable: Error[] = [];
  const store = new StoreWriter<number>(
    { file: '/data/x.db', batchMs: 100, batchRows: 50, maxPendingRows, retryFirstMs: 100, retryMaxMs: 800, errorLogEveryMs: 10_000 },
    (rows) => {
      const error = failWith();
      if (error) throw error;
      batches.push([...rows]);
    },
    logger,
    (error) => unusable.push(error),
  );
  return { store, batches, unusable, lines };
}

describe('StoreWriter', () => {
  it('retries a full disk with back-off, in transactions of at most batchRows, and stores everything once space is back', async () => {
    vi.useFakeTimers();
    let full = true;
    const attempts: number[] = [];
    const { store, batches, lines } = writer(() => (attempts.push(Date.now()), full ? sqliteError('SQLITE_FULL', 'database or disk is full') : null));
    const started = Date.now();
    for (let row = 0; row < 180; row += 1) store.push(row);
    await vi.advanceTimersByTimeAsync(3000);
    // Retries after 100, 200, 400, 800, 800… ms, never faster than the cap.
    const gaps = attempts.slice(1).map((at, index) => at - attempts[index]!);
    expect(gaps.slice(0, 5)).toEqual([100, 200, 400, 800, 800]);
    expect(lines().filter((line) => line.message === 'store write failed, will retry')).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ code: 'SQLITE_FULL', error: 'SQLITE_FULL /data/x.db: database or disk is full', pending: 50 }); // the first full batch
    full = false;
    await vi.advanceTimersByTimeAsync(1000);
    expect(batches.map((batch) => batch.length)).toEqual([50, 50, 50, 30]);
    expect(batches.flat()).toEqual(Array.from({ length: 180 }, (_, row) => row));
    expect(store.counters).toMatchObject({ accepted: 180, stored: 180, lost: 0, pending: 0 });
    expect(lines().some((line) => line.message === 'store writable again')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    vi.useRealTimers();
  });

  it('bounds its backlog, counts what it drops, and counts what is still pending at close as lost', () => {
    const { store, lines } = writer(() => sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'), 100);
    for (let row = 0; row < 250; row += 1) store.push(row);
    expect(store.counters).toMatchObject({ accepted: 250, pending: 100, lost: 150, stored: 0 });
    expect(lines().filter((line) => line.message === 'backlog full: rows dropped')).toHaveLength(1);
    expect(store.close()).toMatchObject({ accepted: 250, stored: 0, lost: 250, pending: 0 });
  });

  it('gives a damaged store up at once and says so once', () => {
    const { store, unusable, batches } = writer(() => sqliteError('SQLITE_CORRUPT', 'database disk image is malformed'));
    for (let row = 0; row < 120; row += 1) store.push(row);
    expect(unusable).toHaveLength(1);
    expect(unusable[0]!.message).toMatch(/^SQLITE_CORRUPT \/data\/x\.db: database disk image is malformed/);
    expect(batches).toEqual([]);
    expect(store.close()).toMatchObject({ lost: 120 });
  });
});
