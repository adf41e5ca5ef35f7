import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Unique users for sandboxed programs across every `socklab check` on the machine: a lock file per
 * uid in a range, holding the pid of the check that took it. A lock whose check is gone (killed)
 * is taken over. Two runs therefore never share a uid, so no program can signal, trace or write
 * for another's.
 */
export const LOCK_DIR = '/run/socklab-sandbox-uids';

export interface UidLease {
  uids: number[];
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `count` free uids from `highest` down (to `highest - span`), for this process; throws when the range is full. */
export function leaseUids(count: number, highest: number, span = 4096, lockDir = LOCK_DIR): UidLease {
  mkdirSync(lockDir, { recursive: true, mode: 0o700 });
  const taken: number[] = [];
  const lockOf = (uid: number) => path.join(lockDir, String(uid));
  const release = () => {
    for (const uid of taken) rmSync(lockOf(uid), { force: true });
  };
  for (let uid = highest; uid > highest - span && taken.length < count; uid -= 1) {
    try {
      const fd = openSync(lockOf(uid), 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      taken.push(uid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        release();
        throw error;
      }
      const holder = Number(readFileSync(lockOf(uid), 'utf8').trim());
      if (holder > 0 && !alive(holder)) {
        rmSync(lockOf(uid), { force: true }); // its check was killed: the next pass of the loop cannot see it, so take it now
        uid += 1;
      }
    }
  }
  if (taken.length < count) {
    release();
    throw new Error(`no ${count} free sandbox users between ${highest - span + 1} and ${highest}`);
  }
  return { uids: taken, release };
}
