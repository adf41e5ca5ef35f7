import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { socklabError } from '../errors.js';

/**
 * Writes a private key: mode 0600 from the moment it exists (O_EXCL, so an existing key is never
 * overwritten unless `force`), and never logged.
 */
export function writeSecret(file: string, pem: string, force: boolean): void {
  writeNew(file, pem, 0o600, force);
}

export function writePublic(file: string, pem: string, force: boolean): void {
  writeNew(file, pem, 0o644, force);
}

function writeNew(file: string, content: string, mode: number, force: boolean): void {
  if (!force && existsSync(file)) {
    throw socklabError('SOCKLAB_ERR_USAGE', `${file} exists; refusing to overwrite it (use --force to replace it)`);
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const flags = force ? constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
  const fd = openSync(file, flags, mode);
  try {
    chmodSync(file, mode); // an overwritten file keeps its old mode otherwise
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

export function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw socklabError('SOCKLAB_ERR_USAGE', `cannot read the ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
