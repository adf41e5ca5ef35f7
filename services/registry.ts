import type { ServiceFactory } from './service.js';

interface ServiceEntry {
  description: string;
  /** Profiles in which `npm start` runs it under pm2 (all when absent). */
  profiles?: string[];
  load(): Promise<{ createService: ServiceFactory }>;
}

/** Every pm2 app, by name: `socklab service NAME` and ecosystem.config.js both read this list. */
export const SERVICES: Record<string, ServiceEntry> = {
  lab: {
    description: 'the emulated course servers: PMU over TCP, UDP and WebSocket, and the multicast TV channel',
    profiles: ['local'],
    load: () => import('./lab/index.js'),
  },
};
