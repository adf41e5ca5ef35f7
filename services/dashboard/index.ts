import net from 'node:net';
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { formatHostPort } from '../../lib/address.js';
import { socklabError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { projectRoot, resolveProjectPath } from '../../lib/paths.js';
import type { Service, ServiceFactory } from '../service.js';
import { Pm2Status } from './pm2-status.js';
import { DashboardServer } from './server.js';

const ASSETS = path.join(projectRoot, 'services', 'dashboard', 'public');

function isLoopback(host: string): boolean {
  return host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

/** The `dashboard` service, built from `dashboard.*` and the other services' store and certificate paths. */
export const createService: ServiceFactory = (config: Config, serviceLogger: Logger, options): Service => {
  const logger = serviceLogger.child({ component: 'dashboard' });
  const { dashboard } = config;
  let server: DashboardServer | undefined;
  const status = new Pm2Status([...(options.apps ?? [])]);
  return {
    async start() {
      if (!isLoopback(dashboard.host) && dashboard.token === '') {
        throw socklabError('SOCKLAB_ERR_CONFIG', `dashboard.host ${dashboard.host} is not loopback: set dashboard.token (SOCKLAB_DASHBOARD_TOKEN) so that only you can read it`);
      }
      server = new DashboardServer(
        {
          ...dashboard,
          proberDb: resolveProjectPath(config.prober.db),
          recorderDb: resolveProjectPath(config.recorder.db),
          tlsCert: resolveProjectPath(config.tlsPmu.cert),
          services: () => status.read(),
          logOf: (app, lines) => status.logOf(app, lines).catch(() => []),
          followServices: (onChange) => status.follow(onChange),
          feedEveryMs: 250,
          feedMaxRows: 20,
        },
        ASSETS,
        logger,
      );
      const { port } = await server.listen();
      return [`dashboard http://${formatHostPort(dashboard.host, port)}/`];
    },
    close: async () => {
      status.close();
      await server?.close();
    },
  };
};
