import { copyFileSync, lchownSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

/** What a submission folder held that is not a plain file or folder: left out of every copy. */
export interface LeftOut {
  path: string;
  kind: 'symbolic link' | 'FIFO' | 'device' | 'socket' | 'other';
}

function kindOf(stat: Stats): LeftOut['kind'] {
  if (stat.isSymbolicLink()) return 'symbolic link';
  if (stat.isFIFO()) return 'FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'device';
  if (stat.isSocket()) return 'socket';
  return 'other';
}

/**
 * The plain files and folders under `root`, relative to it, found without following a link: a
 * link, FIFO, device or socket is reported in `leftOut` (a symbolic link to another group's key or
 * to /etc/shadow must never be read or chowned on the program's behalf).
 */
export function plainEntries(root: string, depthLimit = 32): { files: string[]; folders: string[]; leftOut: LeftOut[] } {
  const result = { files: [] as string[], folders: [] as string[], leftOut: [] as LeftOut[] };
  const walk = (relative: string, depth: number): void => {
    for (const name of readdirSync(path.join(root, relative))) {
      const entry = path.join(relative, name);
      const stat = lstatSync(path.join(root, entry));
      if (stat.isFile()) result.files.push(entry);
      else if (stat.isDirectory() && depth < depthLimit) {
        result.folders.push(entry);
        walk(entry, depth + 1);
      } else if (!stat.isDirectory()) result.leftOut.push({ path: entry, kind: kindOf(stat) });
    }
  };
  walk('', 0);
  return result;
}

/** Copies the plain files and folders of `from` into `to` (which exists), owned by `uid` when given; returns what was left out. */
export function copyPlain(from: string, to: string, uid: number | null): LeftOut[] {
  const { files, folders, leftOut } = plainEntries(from);
  for (const folder of folders) mkdirSync(path.join(to, folder), { mode: 0o755 });
  for (const file of files) copyFileSync(path.join(from, file), path.join(to, file)); // content only: the copy is a new file
  if (uid !== null) for (const entry of ['', ...folders, ...files]) lchownSync(path.join(to, entry), uid, uid);
  return leftOut;
}
