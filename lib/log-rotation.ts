import { promises as fs } from 'node:fs';

/**
 * Size-based rotation by copy and truncate: the writer (pm2's log stream, opened in append mode)
 * keeps its descriptor and goes on writing at the new end of the emptied file, the same way
 * pm2-logrotate and logrotate's `copytruncate` work, without installing a pm2 module.
 * Keeps `file.1` … `file.<keep>`, newest first.
 */
export async function rotateIfLarger(file: string, maxBytes: number, keep: number): Promise<boolean> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    return false;
  }
  if (size <= maxBytes) return false;
  for (let index = keep - 1; index >= 1; index -= 1) {
    await fs.rename(`${file}.${index}`, `${file}.${index + 1}`).catch(() => undefined);
  }
  await fs.copyFile(file, `${file}.1`);
  await fs.truncate(file, 0);
  return true;
}

export interface LogRotation {
  stop(): void;
}

/** Checks the files every `everyMs` and rotates those grown past `maxBytes`. */
export function rotateLogs(files: string[], maxBytes: number, keep: number, everyMs = 30_000): LogRotation {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.all(files.map((file) => rotateIfLarger(file, maxBytes, keep).catch(() => false))).finally(() => {
      running = false;
    });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
