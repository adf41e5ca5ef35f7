import type { Config } from '../../config/schema.js';
import type { Logger } from '../../lib/logger.js';
import { resolveProjectPath } from '../../lib/paths.js';
import { ratePerSecond } from '../../lib/pm2-metrics.js';
import type { Service, ServiceFactory, ServiceOptions } from '../service.js';
import { MulticastRecorder } from './recorder.js';
import { RecorderStore } from './store.js';

const COUNTERS_EVERY_MS = 60_000;

/** The `mcast-recorder` service, built from `recorder.*`. */
export const createService: ServiceFactory = (config: Config, serviceLogger: Logger, options: ServiceOptions): Service => {
  const logger = serviceLogger.child({ component: 'recorder' });
  const { recorder } = config;
  const file = resolveProjectPath(recorder.db);
  let running: MulticastRecorder | undefined;
  return {
    async start() {
      running = new MulticastRecorder({ ...recorder, countersEveryMs: COUNTERS_EVERY_MS }, new RecorderStore(file), logger, options.onFatal);
      const { port } = await running.listen();
      const counters = () => running!.counters;
      options.metrics?.gauge('datagrams received', () => counters().received);
      options.metrics?.gauge('rows stored', () => counters().stored);
      options.metrics?.gauge('rows lost', () => counters().lost);
      options.metrics?.gauge('rows pending', () => counters().pending);
      options.metrics?.gauge('rows stored per second', ratePerSecond(() => counters().stored), 'rows/s');
      return [`mcast-recorder ${recorder.groups.join(', ')} port ${port} via ${recorder.iface || 'the default interface'}, store ${file}`];
    },
    close: async () => {
      await running?.close();
    },
  };
};
