import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { socklabError } from './errors.js';
import { projectRoot } from './paths.js';

export type { Database } from 'better-sqlite3';

/** The SQLite result code of an error ("SQLITE_FULL"), or undefined for any other error. */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** A store path as a user typed it: relative to the project root when it is inside. */
function shownPath(file: string): string {
  const relative = path.relative(projectRoot, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** "SQLITE_CANTOPEN data/prober.db: unable to open database file": every store error names its file. */
export function describeStoreError(file: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `${sqliteCode(error) ?? (error as NodeJS.ErrnoException)?.code ?? 'ERROR'} ${shownPath(file)}: ${message}`;
}

/**
 * Errors that retrying will not cure: the file is damaged, is not a database, or cannot be
 * written. A full disk, a busy lock or an I/O error may pass, and are retried.
 */
export function isStoreUnusable(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code === undefined) return true; // not SQLite's: a bug, not a condition to wait out
  return /^SQLITE_(CORRUPT|NOTADB|READONLY|CANTOPEN|PERM|AUTH|MISUSE|SCHEMA|CONSTRAINT|MISMATCH|RANGE|FORMAT)/.test(code);
}

/**
 * Opens (or creates) a service's SQLite store: WAL, so that readers (`socklab prober report`,
 * `socklab recorder query`) never block the writer and a kill -9 loses at most the transaction
 * being written; then brings the schema to the latest version. `migrations[i]` takes a store
 * from version i to i + 1 and runs once, in a transaction.
 */
export function openStore(file: string, migrations: readonly string[]): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // durable at each checkpoint; a crash keeps every committed transaction
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let step = version; step < migrations.length; step += 1) {
      db.transaction(() => {
        db!.exec(migrations[step]!);
        db!.pragma(`user_version = ${step + 1}`);
      })();
    }
    return db;
  } catch (error) {
    db?.close();
    throw socklabError('SOCKLAB_ERR_STORE', describeStoreError(file, error));
  }
}

/**
 * Opens an existing store read-only, for the commands that report on it. A WAL store needs its
 * `-shm` file beside it even to be read; where that cannot be made (a read-only copy, another
 * user's folder), the store and its log are read from a private copy instead.
 */
export function openStoreReadOnly(file: string): Database.Database {
  try {
    return openAndRead(file);
  } catch (error) {
    const code = sqliteCode(error) ?? '';
    if (!existsSync(file) || !/^SQLITE_(READONLY|CANTOPEN)/.test(code)) {
      throw socklabError('SOCKLAB_ERR_STORE', describeStoreError(file, error));
    }
  }
  const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-store-'));
  try {
    const copy = path.join(folder, path.basename(file));
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    return openAndRead(copy);
  } catch (error) {
    throw socklabError('SOCKLAB_ERR_STORE', describeStoreError(file, error));
  } finally {
    rmSync(folder, { recursive: true, force: true }); // the open connection keeps what it needs
  }
}

function openAndRead(file: string): Database.Database {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('user_version'); // SQLite opens lazily: fail here, not in the middle of a report
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
