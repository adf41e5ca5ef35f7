import net from 'node:net';

export interface CourseNames {
  /** Names of the TCP and WebSocket PMU (IPv4 in the course): mapped to 127.0.0.1. */
  ipv4: string[];
  /** Names of the dual-stack RESET server: mapped to 127.0.0.1 and ::1. */
  dualStack: string[];
}

/** The course host names of a profile's settings (`client.pmuTcp.host`, the host of `client.pmuWs.url`, `prober.hosts`). */
export function courseNames(settings: { pmuTcpHost: string; pmuWsUrl: string; proberHosts: readonly string[] }): CourseNames {
  const isName = (host: string) => host !== '' && net.isIP(host) === 0 && host !== 'localhost';
  const ipv4 = [settings.pmuTcpHost, new URL(settings.pmuWsUrl).hostname].filter(isName);
  const dualStack = settings.proberHosts.filter(isName);
  return { ipv4: [...new Set(ipv4)].filter((name) => !dualStack.includes(name)), dualStack: [...new Set(dualStack)] };
}

/** A hosts file (hosts(5)) for the campus: loopback as usual, and the course names on the emulators. */
export function hostsFile(names: CourseNames): string {
  return [
    '# socklab campus: the course host names on the emulators (this file is bind-mounted over /etc/hosts)',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    ...names.ipv4.map((name) => `127.0.0.1\t${name}`),
    ...names.dualStack.flatMap((name) => [`127.0.0.1\t${name}`, `::1\t${name}`]),
    '',
  ].join('\n');
}
