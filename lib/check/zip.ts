import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { socklabError } from '../errors.js';

/**
 * Reads the .zip a student hands in (APPNOTE.TXT: end of central directory, central directory,
 * local headers; stored and deflated entries). Untrusted input: no path leaves the target folder,
 * symbolic links are skipped, sizes are bounded before anything is inflated, CRCs are checked.
 */

export interface ZipLimits {
  maxEntries: number;
  maxTotalBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntries: 2000, maxTotalBytes: 128 * 1024 * 1024 };

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  isDirectory: boolean;
  isSymlink: boolean;
  encrypted: boolean;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Files a Mac or Windows zip tool adds that nobody handed in. */
function isClutter(name: string): boolean {
  return name.startsWith('__MACOSX/') || /(^|\/)(\.DS_Store|Thumbs\.db|desktop\.ini)$/.test(name);
}

function bad(file: string, why: string): Error {
  return socklabError('SOCKLAB_ERR_USAGE', `${file} is not a zip archive socklab can read: ${why}`);
}

function readEntries(zip: Buffer, file: string, limits: ZipLimits): Entry[] {
  const earliest = Math.max(0, zip.length - 22 - 0xffff);
  let end = -1;
  for (let at = zip.length - 22; at >= earliest; at -= 1) {
    if (zip.readUInt32LE(at) === EOCD) {
      end = at;
      break;
    }
  }
  if (end < 0) throw bad(file, 'no end of central directory (truncated, or not a zip)');
  const count = zip.readUInt16LE(end + 10);
  const directoryOffset = zip.readUInt32LE(end + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw bad(file, 'ZIP64 archives are not supported');
  if (count > limits.maxEntries) throw bad(file, `${count} entries, more than ${limits.maxEntries}`);
  const entries: Entry[] = [];
  let at = directoryOffset;
  let total = 0;
  for (let index = 0; index < count; index += 1) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) throw bad(file, 'the central directory is damaged');
    const flags = zip.readUInt16LE(at + 8);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const madeBy = zip.readUInt8(at + 5); // 3: Unix, whose mode sits in the high half of the external attributes
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    // Bit 11: the name is UTF-8; otherwise CP437, which is ASCII for the names the handout asks for.
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString(flags & 0x800 ? 'utf8' : 'latin1').replace(/\\/g, '/');
    const entry: Entry = {
      name,
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localOffset: zip.readUInt32LE(at + 42),
      isDirectory: name.endsWith('/'),
      isSymlink: madeBy === 3 && (mode & S_IFMT) === S_IFLNK,
      encrypted: (flags & 1) === 1,
    };
    total += entry.size;
    if (total > limits.maxTotalBytes) throw bad(file, `it unpacks to more than ${limits.maxTotalBytes} bytes`);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The entry's path inside `target`, or null when it would land outside it. */
function safeTarget(target: string, name: string): string | null {
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || parts.includes('..') || parts.length === 0) return null;
  return path.join(target, ...parts);
}

function inflate(zip: Buffer, entry: Entry, file: string): Buffer {
  const at = entry.localOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL) throw bad(file, `the local header of ${entry.name} is damaged`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const compressed = zip.subarray(start, start + entry.compressedSize);
  if (compressed.length !== entry.compressedSize) throw bad(file, `${entry.name} is cut short`);
  let data: Buffer;
  if (entry.method === 0) data = Buffer.from(compressed);
  else if (entry.method === 8) {
    try {
      data = zlib.inflateRawSync(compressed, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (error) {
      throw bad(file, `${entry.name} does not inflate (${(error as Error).message})`);
    }
  } else throw bad(file, `${entry.name} uses compression method ${entry.method} (only stored and deflated are read)`);
  if (data.length !== entry.size || zlib.crc32(data) !== entry.crc) throw bad(file, `${entry.name} fails its CRC check`);
  return data;
}

export interface Unzipped {
  /** Written files, relative to the target, with "/" separators. */
  files: string[];
  /** Entries left out: symbolic links, names that would escape the folder, Mac/Windows clutter. */
  skipped: string[];
}

/** Unpacks `file` into the (empty) folder `target`. Throws a usage error for anything but a readable zip. */
export function unzip(zip: Buffer, file: string, target: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Unzipped {
  const entries = readEntries(zip, file, limits);
  const result: Unzipped = { files: [], skipped: [] };
  for (const entry of entries) {
    if (entry.encrypted) throw bad(file, `${entry.name} is encrypted`);
    const destination = safeTarget(target, entry.name);
    if (isClutter(entry.name)) continue;
    if (destination === null || entry.isSymlink) {
      result.skipped.push(entry.name);
      continue;
    }
    if (entry.isDirectory) {
      mkdirSync(destination, { recursive: true });
      continue;
    }
    const data = inflate(zip, entry, file);
    mkdirSync(path.dirname(destination), { recursive: true });
    try {
      writeFileSync(destination, data, { flag: 'wx', mode: 0o644 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw bad(file, `it holds ${entry.name} twice`);
      throw error;
    }
    result.files.push(path.relative(target, destination).split(path.sep).join('/'));
  }
  return result;
}
