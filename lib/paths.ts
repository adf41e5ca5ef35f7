import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The folder holding socklab's package.json, whether running from `dist/` or from the sources. */
function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'socklab') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`socklab's package.json not found above ${start}`);
    dir = parent;
  }
}

export const projectRoot = findProjectRoot(__dirname);

/** docs/PROTOCOLS.md §Stores and generated files: paths in config are relative to the project root. */
export function resolveProjectPath(p: string): string {
  return path.isAbsolute(p) ? p : path.join(projectRoot, p);
}

/** socklab's version, as reports and notebooks record it. */
export function socklabVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
