import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { isSocklabError, socklabError } from '../errors.js';

/**
 * Reads the .zip a student hands in (APPNOTE.TXT: end of central directory, central directory,
 * local headers; stored and deflated entries). Untrusted input: no path leaves the target folder,
 * symbolic links are skipped, sizes are bounded before anything is inflated, and each entry is
 * inflated to disk as a stream that stops at its declared size (a zip bomb never sits in memory),
 * CRCs are checked.
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
  return socklabError('SOCKLAB_ERR_USAGE', `not a submission: ${file} is not a zip archive socklab can read: ${why}`);
}

/** Why the file system refused an entry, in words (a file and a folder of one name, a name too long, a NUL in it). */
function unpackProblem(name: string, error: NodeJS.ErrnoException): string {
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  switch (error.code) {
    case 'EEXIST':
    case 'EISDIR':
    case 'ENOTDIR':
      return `it holds ${shown} both as a file and as a folder, or twice`;
    case 'ENAMETOOLONG':
      return `${shown} is a name longer than the file system allows`;
    case 'ERR_INVALID_ARG_VALUE':
    case 'ERR_INVALID_ARG_TYPE':
      return `${shown} holds a NUL character`;
    default:
      return `${shown} cannot be unpacked (${error.code ?? error.message})`;
  }
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

/** Inflates `entry` into `destination` (a new file) chunk by chunk: never more than its declared size, its CRC checked. */
async function inflateTo(zip: Buffer, entry: Entry, file: string, destination: string): Promise<void> {
  const at = entry.localOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL) throw bad(file, `the local header of ${entry.name} is damaged`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const compressed = zip.subarray(start, start + entry.compressedSize);
  if (compressed.length !== entry.compressedSize) throw bad(file, `${entry.name} is cut short`);
  if (entry.method !== 0 && entry.method !== 8) throw bad(file, `${entry.name} uses compression method ${entry.method} (only stored and deflated are read)`);
  let written = 0;
  let crc = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      written += chunk.length;
      if (written > entry.size) return done(bad(file, `${entry.name} inflates to more than the ${entry.size} bytes it declares`));
      crc = zlib.crc32(chunk, crc);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.from([compressed]), entry.method === 8 ? zlib.createInflateRaw() : new PassThrough(), counted, createWriteStream(destination, { flags: 'wx', mode: 0o644 }));
  } catch (error) {
    if (isSocklabError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_BUFFER_TOO_LARGE') throw bad(file, `${entry.name} does not inflate (${(error as Error).message})`);
    throw bad(file, unpackProblem(entry.name, error as NodeJS.ErrnoException));
  }
  if (written !== entry.size || crc !== entry.crc) throw bad(file, `${entry.name} fails its CRC check`);
}

export interface Unzipped {
  /** Written files, relative to the target, with "/" separators. */
  files: string[];
  /** Entries left out: symbolic links, names that would escape the folder, Mac/Windows clutter. */
  skipped: string[];
}

/** Unpacks `file` into the (empty) folder `target`. Throws a usage error ("not a submission: …") for anything but a readable zip. */
export async function unzip(zip: Buffer, file: string, target: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<Unzipped> {
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
    try {
      mkdirSync(entry.isDirectory ? destination : path.dirname(destination), { recursive: true });
    } catch (error) {
      throw bad(file, unpackProblem(entry.name, error as NodeJS.ErrnoException));
    }
    if (entry.isDirectory) continue;
    await inflateTo(zip, entry, file, destination);
    result.files.push(path.relative(target, destination).split(path.sep).join('/'));
  }
  return result;
}
