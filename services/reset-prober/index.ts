import type { Config } from '../../config/schema.js';
import { FAMILIES } from '../../lib/address.js';
import type { Logger } from '../../lib/logger.js';
import { resolveProjectPath } from '../../lib/paths.js';
import type { Service, ServiceFactory, ServiceOptions } from '../service.js';
import { ResetProber } from './prober.js';
import { ProberStore } from './store.js';

/** The `reset-prober` service, built from `prober.*`. */
export const createService: ServiceFactory = (config: Config, serviceLogger: Logger, options: ServiceOptions): Service => {
  const logger = serviceLogger.child({ component: 'prober' });
  const { prober } = config;
  const file = resolveProjectPath(prober.db);
  let running: ResetProber | undefined;
  return {
    async start() {
      running = new ResetProber(
        { ...prober, intervalMs: prober.intervalSeconds * 1000 },
        new ProberStore(file),
        logger,
        options.onFatal,
      );
      running.start();
      const probing = running;
      for (const family of FAMILIES) options.metrics?.gauge(`${family} last probe`, () => probing.lastResult(family));
      options.metrics?.gauge('probes', () => probing.counters.probes);
      options.metrics?.gauge('overruns', () => probing.counters.overruns);
      return [`reset-prober ${prober.hosts.join(', ')} port ${prober.port}, every ${prober.intervalSeconds} s, store ${file}`];
    },
    close: async () => {
      await running?.close();
    },
  };
};
