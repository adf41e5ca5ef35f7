import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type { Database } from 'better-sqlite3';

/**
 * Opens (or creates) a service's SQLite store: WAL, so that readers (`socklab prober report`,
 * `socklab recorder query`) never block the writer and a kill -9 loses at most the transaction
 * being written; then brings the schema to the latest version. `migrations[i]` takes a store
 * from version i to i + 1 and runs once, in a transaction.
 */
export function openStore(file: string, migrations: readonly string[]): Database.Database {
  mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // durable at each checkpoint; a crash keeps every committed transaction
  db.pragma('busy_timeout = 5000');
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let step = version; step < migrations.length; step += 1) {
    db.transaction(() => {
      db.exec(migrations[step]!);
      db.pragma(`user_version = ${step + 1}`);
    })();
  }
  return db;
}

/** Opens an existing store read-only, for the commands that report on it. */
export function openStoreReadOnly(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}
