import type { Config } from '../config/schema.js';
import type { Logger } from '../lib/logger.js';
import type { Pm2Metrics } from '../lib/pm2-metrics.js';

/** What every long-running service exposes to the runner (and to tests). */
export interface Service {
  /** Binds and starts; resolves with one line per endpoint, e.g. "pmu-tcp tcp://127.0.0.1:5003". */
  start(): Promise<string[]>;
  /**
   * Drains and releases everything; idempotent, a second call joins the first. Rejects, once
   * everything is released, when the shutdown lost something (rows a store could not take).
   */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Run only this part of the service (`socklab lab --only pmu-tcp`). */
  only?: string;
  /**
   * For what the service cannot go on from (its store is damaged): the runner closes it and
   * exits non-zero, so that pm2 restarts it with back-off and `pm2 ls` shows the restarts.
   */
  onFatal: (error: Error) => void;
  /** Where the service declares its counters, published as pm2 custom metrics. */
  metrics?: Pm2Metrics;
  /** socklab's apps, by name (the dashboard shows each): given by the runner, so that no service reads the registry. */
  apps?: readonly string[];
}

/** A service entrypoint: the one place that turns configuration into a service's plain options. */
export type ServiceFactory = (config: Config, logger: Logger, options: ServiceOptions) => Service;
