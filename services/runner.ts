import { spawn } from 'node:child_process';
import type { LoadedConfig } from '../config/index.js';
import { describeError, isSocklabError, socklabError } from '../lib/errors.js';
import { rotateLogs } from '../lib/log-rotation.js';
import { closeLogger, createLogger } from '../lib/logger.js';
import { resolveProjectPath } from '../lib/paths.js';
import { PM2_BIN } from '../lib/pm2-bin.js';
import { Pm2Metrics } from '../lib/pm2-metrics.js';
import { SERVICES } from './registry.js';
import type { ServiceOptions } from './service.js';

function serviceNames(): string[] {
  return Object.keys(SERVICES);
}

/** The pm2 log files of this process, when pm2 runs it (pm2 passes the app's settings as environment). */
function pm2LogFiles(): string[] {
  return [process.env.pm_out_log_path, process.env.pm_err_log_path].filter(
    (file): file is string => typeof file === 'string' && file !== '' && file !== '/dev/null',
  );
}

/**
 * A configuration error (exit 2) is in stop_exit_codes, so pm2 does not restart the app; but with
 * exp_backoff_restart_delay pm2 still lists it as "waiting restart" for ever. A `pm2 stop` of this
 * app, run once this process has exited, makes `pm2 ls` say "stopped".
 */
function markStoppedUnderPm2(): void {
  const id = process.env.pm_id;
  if (id === undefined) return;
  spawn(process.execPath, [PM2_BIN, 'stop', id], { detached: true, stdio: 'ignore' }).unref();
}

/**
 * Runs one service in the foreground with the lifecycle every service shares: start from
 * config, tell pm2 it is ready once listening, shut down within a bound on SIGINT/SIGTERM,
 * log an uncaught error and exit non-zero so that pm2 restarts it. Never returns.
 */
export async function runService(name: string, loaded: LoadedConfig, options: Pick<ServiceOptions, 'only'> = {}): Promise<never> {
  const entry = SERVICES[name];
  if (!entry) {
    throw socklabError('SOCKLAB_ERR_UNKNOWN_SERVICE', `unknown service "${name}"; services: ${serviceNames().join(', ')}`);
  }
  const { config } = loaded;
  const serviceLogger = createLogger({
    service: name,
    level: config.log.level,
    format: config.log.format,
    dir: config.log.dir ? resolveProjectPath(config.log.dir) : '',
    rotateBytes: config.log.rotateBytes,
    keepFiles: config.log.keepFiles,
  });
  const logger = serviceLogger.child({ component: 'lifecycle' });
  const rotation = rotateLogs(pm2LogFiles(), config.log.rotateBytes, config.log.keepFiles);
  const metrics = new Pm2Metrics();

  const exit = async (code: number): Promise<never> => {
    rotation.stop();
    metrics.stop();
    await closeLogger(serviceLogger);
    process.exit(code);
  };
  const crash = (error: unknown): void => {
    logger.error('crashed', { error: describeError(error), stack: error instanceof Error ? error.stack : undefined });
    void exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const { createService } = await entry.load();
  let stopping = false;
  /** Closes the service within its bound, then exits: 0 after a clean stop, else `failureCode`. */
  const shutdown = (reason: Record<string, unknown>, failureCode: number | null): void => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { ...reason, boundMs: config.service.shutdownTimeoutMs });
    const bound = setTimeout(() => {
      logger.error('shutdown exceeded its bound', { boundMs: config.service.shutdownTimeoutMs });
      void exit(1);
    }, config.service.shutdownTimeoutMs);
    service.close().then(
      () => {
        clearTimeout(bound);
        logger.info('stopped');
        void exit(failureCode ?? 0);
      },
      (error: unknown) => {
        clearTimeout(bound);
        logger.error('stopped with a loss', { error: describeError(error) });
        void exit(failureCode ?? 1);
      },
    );
  };
  const service = createService(config, serviceLogger, {
    ...options,
    metrics,
    apps: Object.keys(SERVICES),
    onFatal: (error) => {
      logger.error('cannot go on', { error: describeError(error) });
      shutdown({ reason: 'fatal error' }, 1);
    },
  });
  const stop = (signal: NodeJS.Signals): void => shutdown({ signal }, null);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    const endpoints = await service.start();
    logger.info('ready', { profile: loaded.profile, endpoints });
    metrics.start();
  } catch (error) {
    // A configuration problem (missing key file, …) exits 2 like every configuration error.
    logger.error('could not start', { error: describeError(error) });
    await service.close().catch(() => undefined);
    // pm2 (6.x) marks an app "online" when listen_timeout passes without 'ready', even if it has
    // exited meanwhile (pm2#5716): ending its wait first keeps `pm2 ls` truthful (stopped, or
    // restarting), and lets stop_exit_codes stop an app that exits 2.
    await new Promise<void>((resolve) => (process.send ? process.send('ready', () => resolve()) : resolve()));
    const code = isSocklabError(error) ? error.exitCode : 1;
    if (code === 2) markStoppedUnderPm2();
    return exit(code);
  }
  process.send?.('ready');
  return new Promise<never>(() => undefined);
}
