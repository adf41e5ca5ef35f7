import path from 'node:path';

/** pm2's command line from node_modules, never a global one. */
export const PM2_BIN = path.join(path.dirname(require.resolve('pm2/package.json')), 'bin', 'pm2');
