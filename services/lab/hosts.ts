import type { Config } from '../../config/schema.js';
import type { CourseHost } from '../../lib/campus/hosts.js';
import type { Logger } from '../../lib/logger.js';
import type { Service, ServiceOptions } from '../service.js';
import { createService } from './index.js';

/** `lab` with some of its settings replaced. */
function withLab(config: Config, lab: Partial<{ [K in keyof Config['lab']]: Partial<Config['lab'][K]> }>): Config {
  return {
    ...config,
    lab: {
      pmuTcp: { ...config.lab.pmuTcp, ...lab.pmuTcp },
      pmuUdp: { ...config.lab.pmuUdp, ...lab.pmuUdp },
      tv: { ...config.lab.tv, ...lab.tv },
      pmuWs: { ...config.lab.pmuWs, ...lab.pmuWs },
    },
  };
}

/**
 * The emulators of the campus's course hosts (`campus.hosts`), each on its host's addresses, as
 * the course servers are on theirs: the PMU over TCP and WebSocket on every address of the host
 * (a hard-coded address given with --alias included), the RESET server on each IPv4/IPv6 pair
 * (its family by time of day, as configured), the TV channel sending from the host's first IPv4.
 */
export function courseHostServices(config: Config, hosts: readonly CourseHost[], logger: Logger, options: ServiceOptions): Service[] {
  const services: Service[] = [];
  const part = (only: string, settings: Config) => services.push(createService(settings, logger, { ...options, only }));
  for (const host of hosts) {
    const addresses = [...host.ipv4, ...host.ipv6];
    for (const emulator of host.emulators) {
      if (emulator === 'pmu-tcp') for (const address of addresses) part(emulator, withLab(config, { pmuTcp: { host: address } }));
      if (emulator === 'pmu-ws') for (const address of addresses) part(emulator, withLab(config, { pmuWs: { host: address } }));
      if (emulator === 'tv') part(emulator, withLab(config, { tv: { iface: host.ipv4[0]! } }));
      if (emulator === 'pmu-udp') {
        for (let index = 0; index < Math.max(host.ipv4.length, host.ipv6.length); index += 1) {
          part(emulator, withLab(config, { pmuUdp: { host4: host.ipv4[index] ?? '', host6: host.ipv6[index] ?? '' } }));
        }
      }
    }
  }
  return services;
}
