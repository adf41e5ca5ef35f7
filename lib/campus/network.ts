import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { socklabError } from '../errors.js';
import { type CourseHost, ROUTER, studentAddresses } from './hosts.js';

/**
 * The campus's network, built inside its namespaces (as their root): the course network, where the
 * course hosts' addresses live and the emulators listen, is the namespace socklab itself runs in;
 * each student host is a network namespace of its own with one interface, `eth0`, an IPv4 and an
 * IPv6 address and default routes to the course network's router, joined to it by a veth pair on
 * the bridge `campus0`. A student host's `lo` is its own, free for its own servers on any port;
 * multicast crosses the link, so a receiver hears the channel only if it joins.
 */

export const BRIDGE = 'campus0';
export const STUDENT_INTERFACE = 'eth0';

function run(command: string, args: string[], input?: string): { ok: boolean; error: string; stdout: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', input });
  return { ok: result.status === 0, error: (result.stderr || result.error?.message || '').trim(), stdout: result.stdout ?? '' };
}

function must(command: string, args: string[], input?: string): string {
  const result = run(command, args, input);
  if (!result.ok) throw socklabError('SOCKLAB_ERR_NETWORK', `campus: \`${command} ${args.join(' ')}\` failed: ${result.error}`);
  return result.stdout;
}

/** `ip -batch -` with these lines; an address's family comes from the address itself. */
function ipBatch(lines: string[], netns?: string): void {
  if (lines.length === 0) return;
  if (netns) must('nsenter', [`--net=${netns}`, '--', 'ip', '-batch', '-'], `${lines.join('\n')}\n`);
  else must('ip', ['-batch', '-'], `${lines.join('\n')}\n`);
}

const inRouterSubnet4 = (address: string) => address.startsWith('192.0.2.');
const inRouterSubnet6 = (address: string) => /^2001:db8::[0-9a-f]{1,4}$/i.test(address);

/** Link conditions where the kernel has sch_netem (--delay, --loss). */
export interface LinkConditions {
  delay?: string;
  loss?: string;
}

/**
 * The course network in the current namespace: `lo`, the bridge with the router's addresses, and
 * every course host's addresses on it.
 */
export function setUpCourseNetwork(hosts: readonly CourseHost[], mtu: number): void {
  const lines = [
    'link set dev lo up',
    // No spanning tree wait, no IGMP snooping: every datagram on the group reaches every port, and
    // each host's kernel keeps what its sockets joined, as on a campus LAN.
    `link add ${BRIDGE} mtu ${mtu} type bridge forward_delay 0 mcast_snooping 0`,
    `link set dev ${BRIDGE} up`,
    `addr add ${ROUTER.ipv4}/${ROUTER.prefix4} dev ${BRIDGE}`,
    `addr add ${ROUTER.ipv6}/${ROUTER.prefix6} dev ${BRIDGE} nodad`,
  ];
  for (const host of hosts) {
    for (const address of host.ipv4) lines.push(`addr add ${address}/${inRouterSubnet4(address) ? ROUTER.prefix4 : 32} dev ${BRIDGE}`);
    for (const address of host.ipv6) lines.push(`addr add ${address}/${inRouterSubnet6(address) ? ROUTER.prefix6 : 128} dev ${BRIDGE} nodad`);
  }
  ipBatch(lines);
}

/** One student host: where a student's program runs. */
export interface StudentHost {
  index: number;
  ipv4: string;
  ipv6: string;
  /** The network namespace, for `nsenter --net=…`. */
  netns: string;
  /** `command` run on this host. */
  wrap(command: readonly string[]): string[];
  /** Notes on what could not be set up as asked (no netem, GSO sizes left). */
  notes: string[];
  close(): void;
}

/** A process that only holds a new network namespace open, until it is killed. */
async function holdNamespace(): Promise<ChildProcess> {
  const own = readlinkSync('/proc/self/ns/net');
  const holder = spawn('unshare', ['--net', '--', 'sleep', 'infinity'], { stdio: 'ignore' });
  const failed = new Promise<never>((_, reject) => holder.once('error', (error) => reject(socklabError('SOCKLAB_ERR_NETWORK', `campus: cannot make a student host: ${error.message}`))));
  for (let attempt = 0; attempt < 400; attempt += 1) {
    try {
      if (readlinkSync(`/proc/${holder.pid}/ns/net`) !== own) return holder;
    } catch {
      // not yet there
    }
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 5))]);
  }
  holder.kill('SIGKILL');
  throw socklabError('SOCKLAB_ERR_NETWORK', 'campus: the student host\'s namespace did not appear within 2 s');
}

/**
 * Student host `index`: a namespace, a veth pair to the bridge (MTU and GSO/GRO sizes matched, so
 * that a capture on eth0 shows one packet per segment), addresses and default routes. It refuses
 * to hand out a host with any interface or route beyond its own link (fail closed).
 */
export async function addStudentHost(index: number, mtu: number, conditions: LinkConditions = {}): Promise<StudentHost> {
  const { ipv4, ipv6 } = studentAddresses(index);
  const holder = await holdNamespace();
  const netns = `/proc/${holder.pid}/ns/net`;
  const close = () => void holder.kill('SIGKILL');
  const notes: string[] = [];
  try {
    const outside = `s${index}`;
    must('ip', ['link', 'add', outside, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', STUDENT_INTERFACE, 'mtu', String(mtu), 'netns', String(holder.pid)]);
    ipBatch([`link set dev ${outside} master ${BRIDGE}`, `link set dev ${outside} up`]);
    ipBatch([
      'link set dev lo up',
      `link set dev ${STUDENT_INTERFACE} up`,
      `addr add ${ipv4}/${ROUTER.prefix4} dev ${STUDENT_INTERFACE}`,
      `addr add ${ipv6}/${ROUTER.prefix6} dev ${STUDENT_INTERFACE} nodad`,
      `route add default via ${ROUTER.ipv4}`,
      `route add default via ${ROUTER.ipv6}`,
    ], netns);
    for (const size of ['gso_max_size', 'gro_max_size']) {
      const inside = run('nsenter', [`--net=${netns}`, '--', 'ip', 'link', 'set', 'dev', STUDENT_INTERFACE, size, String(mtu)]);
      const bridgeSide = run('ip', ['link', 'set', 'dev', outside, size, String(mtu)]);
      if (!inside.ok || !bridgeSide.ok) notes.push(`${size} stays as it was (${inside.error || bridgeSide.error}): a capture may show merged segments`);
    }
    if (conditions.delay !== undefined || conditions.loss !== undefined) {
      const netem = [...(conditions.delay ? ['delay', conditions.delay] : []), ...(conditions.loss ? ['loss', conditions.loss] : [])];
      const inside = run('nsenter', [`--net=${netns}`, '--', 'tc', 'qdisc', 'add', 'dev', STUDENT_INTERFACE, 'root', 'netem', ...netem]);
      const bridgeSide = inside.ok ? run('tc', ['qdisc', 'add', 'dev', outside, 'root', 'netem', ...netem]) : inside;
      if (!bridgeSide.ok) notes.push(`no ${netem.join(' ')}: this kernel has no sch_netem (${bridgeSide.error}); counts such as Q11's were measured with no path delay`);
    }
    refuseAnythingElse(netns);
  } catch (error) {
    close();
    throw error;
  }
  return { index, ipv4, ipv6, netns, notes, close, wrap: (command) => ['nsenter', `--net=${netns}`, '--', ...command] };
}

/** Fails closed: a student host has lo and eth0, and routes through eth0 only. */
function refuseAnythingElse(netns: string): void {
  const links = must('nsenter', [`--net=${netns}`, '--', 'ip', '-o', 'link', 'show'])
    .trim()
    .split('\n')
    .map((line) => /^\d+:\s+([^:@]+)/.exec(line)?.[1] ?? line);
  const routes = ['-4', '-6'].flatMap((family) =>
    must('nsenter', [`--net=${netns}`, '--', 'ip', family, '-o', 'route', 'show', 'table', 'all'])
      .trim()
      .split('\n')
      .filter((line) => line !== '' && !/\bdev (eth0|lo)\b/.test(line)),
  );
  const extra = links.filter((name) => name !== 'lo' && name !== STUDENT_INTERFACE);
  if (extra.length > 0 || routes.length > 0) {
    throw socklabError('SOCKLAB_ERR_NETWORK', `campus: the student host has ${[...extra.map((name) => `interface ${name}`), ...routes.map((route) => `route ${route}`)].join(', ')}: refusing to run a program there`);
  }
}
