import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';
import { PM2_BIN } from '../lib/pm2-bin.js';

/** pm2 from node_modules (never a global one), honouring PM2_HOME. */
export function pm2(args: string[]): number {
  const result = spawnSync(process.execPath, [PM2_BIN, ...args], { cwd: projectRoot, stdio: 'inherit' });
  return result.status ?? 1;
}

export const ECOSYSTEM = path.join(projectRoot, 'ecosystem.config.js');
