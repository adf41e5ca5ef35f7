import type { Config } from '../../config/schema.js';
import { formatHostPort, machineAddresses } from '../../lib/address.js';
import type { Logger } from '../../lib/logger.js';
import { resolveProjectPath } from '../../lib/paths.js';
import { floodText } from '../../lib/pmu/flood.js';
import { loadServerMaterial } from '../../lib/certs/server-material.js';
import { once } from '../../lib/listen.js';
import type { Service, ServiceFactory, ServiceOptions } from '../service.js';
import { exposureLines, publicName } from './exposure.js';
import { TlsPmuServer } from './server.js';

const DRAIN_MS = 1000;

const WALKTHROUGH =
  'make your key with `npx socklab cert key --id CAMIPRO`, your request with `npx socklab cert csr --id CAMIPRO`, ' +
  'send certs/CAMIPRO.csr to the course, save the certificate it returns as certs/CAMIPRO.cert.pem, check it with ' +
  '`npx socklab cert verify --cert certs/CAMIPRO.cert.pem --ca certs/cacert.pem --key certs/CAMIPRO_key.pem`, ' +
  'then set tlsPmu.key and tlsPmu.cert to those files';

/** The `tls-pmu` service: the PMU of part 2 over TLS, built from `tlsPmu.*` and `pmu.*`. */
export const createService: ServiceFactory = (config: Config, serviceLogger: Logger, options: ServiceOptions): Service => {
  const logger = serviceLogger.child({ component: 'tls' });
  const { tlsPmu, pmu } = config;
  let server: TlsPmuServer | undefined;
  return {
    async start() {
      const material = loadServerMaterial(
        { keySetting: 'tlsPmu.key', keyFile: resolveProjectPath(tlsPmu.key), certSetting: 'tlsPmu.cert', certFile: resolveProjectPath(tlsPmu.cert), passphraseSetting: 'tlsPmu.passphrase', passphrase: tlsPmu.passphrase },
        WALKTHROUGH,
      );
      for (const warning of material.warnings) logger.warn('certificate or key needs attention', { warning, bits: material.keyBits, notAfter: material.notAfter.toISOString() });
      const { key, cert } = material;
      server = new TlsPmuServer(
        {
          ...pmu,
          host: tlsPmu.expose ? '::' : tlsPmu.host,
          port: tlsPmu.port,
          key,
          cert,
          passphrase: tlsPmu.passphrase,
          maxConnections: tlsPmu.maxConnections,
          maxPendingPerAddress: tlsPmu.maxPendingPerAddress,
          helloTimeoutMs: tlsPmu.helloTimeoutMs,
          handshakeTimeoutMs: tlsPmu.handshakeTimeoutMs,
          floodText: floodText(pmu.floodBytes, pmu.floodSeed),
          random: Math.random,
          lingerMs: 2000,
          sliceBytes: 0,
          drainMs: DRAIN_MS,
        },
        logger,
      );
      const { address, port } = await server.listen();
      if (tlsPmu.expose) {
        const facts = {
          port,
          cert,
          name: publicName(tlsPmu.publicName),
          addresses: machineAddresses(),
          helloTimeoutMs: tlsPmu.helloTimeoutMs,
          maxConnections: tlsPmu.maxConnections,
          maxPendingPerAddress: tlsPmu.maxPendingPerAddress,
        };
        for (const line of exposureLines(facts)) logger[line.level](line.message);
      }
      const running = server;
      const metric = (name: string, read: (counters: TlsPmuServer['counters']) => number | undefined) => options.metrics?.gauge(name, () => read(running.counters) ?? 0);
      metric('sessions', (counters) => counters.sessions);
      metric('active sessions', (counters) => counters.active);
      metric('handshake failures', (counters) => counters.handshakeFailures);
      metric('TLSv1.3 sessions', (counters) => counters.versions['TLSv1.3']);
      metric('TLSv1.2 sessions', (counters) => counters.versions['TLSv1.2']);
      metric('idle connections evicted', (counters) => counters.evicted);
      return [`tls-pmu tls://${formatHostPort(address, port)} (${tlsPmu.cert})${tlsPmu.expose ? ', exposed' : ''}`];
    },
    close: once(async () => {
      await server?.close();
    }),
  };
};
