import type { ServiceFactory } from './service.js';

interface ServiceEntry {
  description: string;
  /** Profiles in which `npm start` runs it under pm2 (all when absent). */
  profiles?: string[];
  /** Node.js flags pm2 starts it with. */
  nodeArgs?: string[];
  load(): Promise<{ createService: ServiceFactory }>;
}

/** Every pm2 app, by name: `socklab service NAME` and ecosystem.config.js both read this list. */
export const SERVICES: Record<string, ServiceEntry> = {
  lab: {
    description: 'the emulated course servers: PMU over TCP, UDP and WebSocket, and the multicast TV channel',
    profiles: ['local'],
    load: () => import('./lab/index.js'),
  },
  'mcast-recorder': {
    description: 'joins recorder.groups and records every datagram into SQLite, in batched transactions',
    load: () => import('./mcast-recorder/index.js'),
  },
  'tls-pmu': {
    description: 'the graded part 6 server: the PMU protocol over TLS 1.2/1.3 with the key and CA-signed certificate of tlsPmu.*',
    // Each session's objects live a few milliseconds; with V8's default the young generation
    // grows to tens of MiB and stays there (bench/tls-soak.ts measures it).
    nodeArgs: ['--max-semi-space-size=2'],
    load: () => import('./tls-pmu/index.js'),
  },
  'reset-prober': {
    description: 'every prober.intervalSeconds, a RESET exchange per address family; SQLite store and a log line per probe (Q17)',
    // Its objects live a few milliseconds (sockets of one probe): with V8's default, the young
    // generation grows to tens of MiB and stays there; 1 MiB semi-spaces keep a resident daemon small.
    nodeArgs: ['--max-semi-space-size=1'],
    load: () => import('./reset-prober/index.js'),
  },
  dashboard: {
    description: 'one page on dashboard.host:dashboard.port: the apps, the prober\'s availability map, the recorder\'s live feed, the TLS PMU\'s certificate',
    load: () => import('./dashboard/index.js'),
  },
};
