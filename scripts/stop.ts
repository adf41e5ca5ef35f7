import { ECOSYSTEM, pm2 } from './pm2.js';

/** `npm stop`: stops and removes socklab's pm2 apps (other pm2 apps are left alone). */
process.exitCode = pm2(['delete', ECOSYSTEM]);
