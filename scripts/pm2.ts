import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';

/** pm2 from node_modules (never a global one), honouring PM2_HOME. */
export function pm2(args: string[]): number {
  const bin = path.join(path.dirname(require.resolve('pm2/package.json')), 'bin', 'pm2');
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: projectRoot, stdio: 'inherit' });
  return result.status ?? 1;
}

export const ECOSYSTEM = path.join(projectRoot, 'ecosystem.config.js');
