import net from 'node:net';

/** The emulated course servers a course host can run (services/lab/parts.ts). */
export const COURSE_EMULATORS = ['pmu-tcp', 'pmu-udp', 'tv', 'pmu-ws'] as const;
export type CourseEmulator = (typeof COURSE_EMULATORS)[number];

/** One host of the course network (`campus.hosts`): its names, its addresses, what it serves. */
export interface CourseHost {
  name: string;
  aliases: string[];
  ipv4: string[];
  ipv6: string[];
  emulators: CourseEmulator[];
}

/**
 * The course network's own addresses: the router every student host's default route points at,
 * on the documentation ranges (RFC 5737, RFC 3849) like the default course hosts, so that nothing
 * the campus does could reach a real host even if it were misconfigured.
 */
export const ROUTER = { ipv4: '192.0.2.1', ipv6: '2001:db8::1', prefix4: 24, prefix6: 64 } as const;

/** The address of student host `index` (0, 1…): 192.0.2.100 and 2001:db8::100 on. */
export function studentAddresses(index: number): { ipv4: string; ipv6: string } {
  if (!Number.isInteger(index) || index < 0 || index > 99) throw new RangeError(`student host ${index} is not one of 0 to 99`);
  return { ipv4: `192.0.2.${100 + index}`, ipv6: `2001:db8::${(0x100 + index).toString(16)}` };
}

export function isCourseHost(value: unknown): value is CourseHost {
  if (typeof value !== 'object' || value === null) return false;
  const host = value as Partial<CourseHost>;
  const names = (list: unknown) => Array.isArray(list) && list.every((item) => typeof item === 'string' && /^[A-Za-z0-9.-]{1,253}$/.test(item));
  return (
    typeof host.name === 'string' &&
    names([host.name]) &&
    names(host.aliases) &&
    Array.isArray(host.ipv4) &&
    host.ipv4.length > 0 &&
    host.ipv4.every((address) => net.isIPv4(address)) &&
    Array.isArray(host.ipv6) &&
    host.ipv6.every((address) => net.isIPv6(address)) &&
    Array.isArray(host.emulators) &&
    host.emulators.every((emulator) => (COURSE_EMULATORS as readonly string[]).includes(emulator))
  );
}

/**
 * `--alias NAME=HOST`: NAME becomes another name of the course host HOST, or, when NAME is an
 * address (one a student's program hard-codes), another address of it, served like its own.
 */
export function withAliases(hosts: readonly CourseHost[], aliases: readonly string[]): CourseHost[] {
  const result = hosts.map((host) => ({ ...host, aliases: [...host.aliases], ipv4: [...host.ipv4], ipv6: [...host.ipv6] }));
  for (const alias of aliases) {
    const match = /^([^=]+)=(.+)$/.exec(alias);
    if (!match) throw new Error(`--alias ${alias}: expected NAME=HOST, e.g. lab3.example.org=lab3.iw.epfl.ch or 198.51.100.7=tcpip.epfl.ch`);
    const [, name, hostName] = match as unknown as [string, string, string];
    const host = result.find((candidate) => candidate.name === hostName || candidate.aliases.includes(hostName));
    if (!host) throw new Error(`--alias ${alias}: no course host ${hostName} (campus.hosts has ${result.map((candidate) => candidate.name).join(', ')})`);
    if (net.isIPv4(name)) host.ipv4.push(name);
    else if (net.isIPv6(name)) host.ipv6.push(name);
    else if (/^[A-Za-z0-9.-]{1,253}$/.test(name)) host.aliases.push(name);
    else throw new Error(`--alias ${alias}: ${name} is neither a host name nor an address`);
  }
  return result;
}

/** A hosts file (hosts(5)) for the student hosts: loopback as usual, each course host's names on its first addresses. */
export function hostsFile(hosts: readonly CourseHost[]): string {
  return [
    '# socklab campus: the course host names on the emulated course hosts (this file is bind-mounted over /etc/hosts)',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    ...hosts.flatMap((host) => {
      const names = [host.name, ...host.aliases].join(' ');
      return [`${host.ipv4[0]}\t${names}`, ...(host.ipv6[0] ? [`${host.ipv6[0]}\t${names}`] : [])];
    }),
    '',
  ].join('\n');
}
