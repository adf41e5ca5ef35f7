import type { Config } from '../../config/schema.js';
import { formatHostPort } from '../../lib/address.js';
import type { Logger } from '../../lib/logger.js';
import { floodText } from '../../lib/pmu/flood.js';
import type { PmuResponderOptions } from '../../lib/pmu/responder.js';
import { once } from '../../lib/listen.js';
import type { Service, ServiceFactory } from '../service.js';
import { isLabPart, LAB_PARTS, type LabPart } from './parts.js';
import { PLAY } from './play.js';
import { PmuTcpServer } from './pmu-tcp-server.js';
import { PmuUdpServer } from './pmu-udp-server.js';
import { PmuWsServer } from './pmu-ws-server.js';
import { TvChannel } from './tv-channel.js';

/** Sessions under way get this long to finish when the lab stops, within the runner's bound. */
const DRAIN_MS = 1000;
const COUNTERS_EVERY_MS = 60_000;

interface Part {
  listen(): Promise<string>;
  close(): Promise<void>;
  counters: () => Record<string, number>;
}

export type PmuProtocolOptions = PmuResponderOptions & { maxIntervalSeconds: number; maxCommandBytes: number; commandGapMs: number; idleTimeoutMs: number };

/** The PMU protocol's settings (`pmu.*`) as the TCP and WebSocket emulators take them; the 1 MiB flood text only when asked. */
export function pmuProtocolOptions(protocol: Config['pmu'], withFlood = true): PmuProtocolOptions {
  return {
    messagesMin: protocol.messagesMin,
    messagesMax: protocol.messagesMax,
    firstMessageNumber: protocol.firstMessageNumber,
    floodText: withFlood ? floodText(protocol.floodBytes, protocol.floodSeed) : Buffer.alloc(0),
    random: Math.random,
    maxIntervalSeconds: protocol.maxIntervalSeconds,
    maxCommandBytes: protocol.maxCommandBytes,
    commandGapMs: protocol.commandGapMs,
    idleTimeoutMs: protocol.idleTimeoutMs,
  };
}

/** The `lab` service: the four emulated course servers, built from `lab.*` and `pmu.*`. */
export const createService: ServiceFactory = (config: Config, logger: Logger, options): Service => {
  const { lab } = config;
  const protocol = config.pmu;
  const parts: LabPart[] = options.only ? [options.only].filter(isLabPart) : [...LAB_PARTS];
  const pmu = pmuProtocolOptions(protocol, parts.includes('pmu-tcp') || parts.includes('pmu-ws'));

  const build: Record<LabPart, () => Part> = {
    'pmu-tcp': () => {
      const server = new PmuTcpServer(
        { ...pmu, ...lab.pmuTcp, lingerMs: 2000, drainMs: DRAIN_MS },
        logger.child({ component: 'pmu-tcp' }),
      );
      return {
        listen: async () => `pmu-tcp tcp://${formatHostPort(lab.pmuTcp.host, (await server.listen()).port)}`,
        close: server.close,
        counters: () => ({ ...server.counters }),
      };
    },
    'pmu-udp': () => {
      const server = new PmuUdpServer({ ...lab.pmuUdp, random: Math.random }, logger.child({ component: 'pmu-udp' }));
      return {
        listen: async () => {
          const { port } = await server.listen();
          return `pmu-udp udp://${formatHostPort(lab.pmuUdp.host4, port)} or udp://${formatHostPort(lab.pmuUdp.host6, port)} (now ${server.family ?? 'down'})`;
        },
        close: server.close,
        counters: () => ({ ...server.counters }),
      };
    },
    tv: () => {
      const channel = new TvChannel({ ...lab.tv, lines: PLAY }, logger.child({ component: 'tv' }));
      return {
        listen: async () => `tv udp://${formatHostPort(lab.tv.group, (await channel.listen()).port)} via ${lab.tv.iface || 'default interface'}`,
        close: channel.close,
        counters: () => ({ ...channel.counters }),
      };
    },
    'pmu-ws': () => {
      const server = new PmuWsServer(
        { ...pmu, ...lab.pmuWs, drainMs: DRAIN_MS },
        logger.child({ component: 'pmu-ws' }),
      );
      return {
        listen: async () => `pmu-ws ws://${formatHostPort(lab.pmuWs.host, (await server.listen()).port)}`,
        close: server.close,
        counters: () => ({ ...server.counters }),
      };
    },
  };
  const running = parts.map((name) => ({ name, part: build[name]() }));
  // Every emulator's counters as pm2 metrics: "pmu-tcp sessions", "pmu-udp answered", "tv replies"…
  for (const { name, part } of running) {
    for (const key of Object.keys(part.counters())) options.metrics?.gauge(`${name} ${key}`, () => part.counters()[key] ?? null);
  }
  let countersTimer: NodeJS.Timeout | undefined;

  return {
    async start() {
      const endpoints: string[] = [];
      for (const { part } of running) endpoints.push(await part.listen());
      countersTimer = setInterval(() => {
        for (const { name, part } of running) logger.info('counters', { component: name, ...part.counters() });
      }, COUNTERS_EVERY_MS);
      countersTimer.unref();
      return endpoints;
    },
    close: once(async () => {
      clearInterval(countersTimer);
      await Promise.all(running.map(({ part }) => part.close()));
    }),
  };
};
