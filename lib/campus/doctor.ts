import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { choosePython, describePython } from '../python.js';

/** One thing the machine can or cannot do, and the exact fix when it cannot. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about it; empty when ok. */
  fix: string;
  /** `socklab campus` cannot run without it (the others are optional peers). */
  neededByCampus: boolean;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

function readNumber(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Whether `command` is an executable on the PATH (looked up without starting a shell). */
function has(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function trial(args: string[]): { ok: boolean; error: string } {
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 5000 });
  return { ok: result.status === 0, error: (result.stderr || result.error?.message || `exit ${result.status}`).trim().split('\n')[0]! };
}

/** The namespaces `socklab campus` makes: a user namespace too unless root. */
export function unshareArgs(): string[] {
  return [...(isRoot() ? [] : ['--user', '--map-root-user']), '--net', '--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private'];
}

function platformCheck(): Check {
  const name = 'Linux with namespaces';
  if (process.platform === 'darwin') {
    return { name, ok: false, detail: 'macOS has no Linux namespaces', fix: 'run socklab in a Linux VM (or WSL2 on Windows)', neededByCampus: true };
  }
  if (process.platform !== 'linux') {
    return { name, ok: false, detail: `${process.platform} has no Linux namespaces`, fix: 'run socklab in a Linux VM or WSL2', neededByCampus: true };
  }
  const version = existsSync('/proc/version') ? readFileSync('/proc/version', 'utf8') : '';
  if (/Microsoft/.test(version) && !/WSL2|microsoft-standard/i.test(version)) {
    return { name, ok: false, detail: 'WSL1 has no network namespaces', fix: 'convert the distribution to WSL2: wsl --set-version <distro> 2', neededByCampus: true };
  }
  return { name, ok: true, detail: version.split(' ').slice(0, 3).join(' '), fix: '', neededByCampus: true };
}

function userNamespaceCheck(): Check {
  const name = 'unprivileged user namespaces';
  if (isRoot()) return { name, ok: true, detail: 'not needed: running as root', fix: '', neededByCampus: true };
  const max = readNumber('/proc/sys/user/max_user_namespaces');
  if (max === 0) {
    return { name, ok: false, detail: 'user.max_user_namespaces is 0', fix: 'sudo sysctl -w user.max_user_namespaces=15000 (or run socklab campus with sudo)', neededByCampus: true };
  }
  if (readNumber('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === 1) {
    return {
      name,
      ok: false,
      detail: 'AppArmor restricts unprivileged user namespaces (Ubuntu 24.04 and later)',
      fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or run socklab campus with sudo)',
      neededByCampus: true,
    };
  }
  if (readNumber('/proc/sys/kernel/unprivileged_userns_clone') === 0) {
    return { name, ok: false, detail: 'kernel.unprivileged_userns_clone is 0', fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1 (or run socklab campus with sudo)', neededByCampus: true };
  }
  const tried = trial(['unshare', ...unshareArgs(), 'true']);
  return tried.ok
    ? { name, ok: true, detail: 'a trial `unshare --user --net --mount` worked', fix: '', neededByCampus: true }
    : { name, ok: false, detail: `a trial unshare failed: ${tried.error}`, fix: 'run socklab campus with sudo', neededByCampus: true };
}

function commandCheck(command: string, pkg: string, why: string, neededByCampus: boolean): Check {
  const ok = has(command);
  return { name: command, ok, detail: ok ? why : `not found (${why})`, fix: ok ? '' : `sudo apt-get install ${pkg}`, neededByCampus };
}

function netemCheck(): Check {
  const name = 'sch_netem (--delay, --loss)';
  const tried = trial(['unshare', ...unshareArgs(), 'sh', '-c', 'ip link set lo up && tc qdisc add dev lo root netem delay 1ms']);
  return tried.ok
    ? { name, ok: true, detail: 'tc netem works in a namespace', fix: '', neededByCampus: false }
    : {
        name,
        ok: false,
        detail: `not available (${tried.error}): the campus's links have no path delay, so counts such as Q11's d = 0 are measured without the round trip Nagle's coalescing waits on`,
        fix: 'sudo modprobe sch_netem (a VM kernel may not ship it)',
        neededByCampus: false,
      };
}

/** The campus's links: a bridge for the course network, a veth pair per student host. */
function linksCheck(): Check {
  const name = 'veth and bridge links';
  const tried = trial(['unshare', ...unshareArgs(), 'sh', '-c', 'ip link add campus0 type bridge && ip link add s0 type veth peer name eth0 && ip link set s0 master campus0']);
  return tried.ok
    ? { name, ok: true, detail: 'a bridge and a veth pair can be made in a namespace', fix: '', neededByCampus: true }
    : { name, ok: false, detail: `cannot make them (${tried.error})`, fix: 'sudo modprobe veth bridge (or a kernel with CONFIG_VETH and CONFIG_BRIDGE)', neededByCampus: true };
}

/** The Python check and campus run students' programs with (lib/python.ts), with what part 5 needs. */
function pythonCheck(configured: string): Check {
  const name = 'python3 with websocket-client';
  const choice = choosePython(configured, ['websocket']);
  if (choice.ok) return { name, ok: true, detail: `${describePython(choice.python)}: the handout's part 5 client runs`, fix: '', neededByCampus: false };
  const [problem, fix = ''] = choice.problem.split('; fix: ');
  return { name, ok: false, detail: problem!, fix, neededByCampus: false };
}

/** Everything `socklab doctor` reports, in order; `socklab campus` runs the ones it needs first. */
export function machineChecks(options: { campusOnly?: boolean; python?: string } = {}): Check[] {
  const major = Number(process.versions.node.split('.')[0]);
  const checks: Check[] = [
    { name: 'Node.js', ok: major >= 20, detail: process.version, fix: major >= 20 ? '' : 'install Node.js 20', neededByCampus: true },
    platformCheck(),
  ];
  if (process.platform !== 'linux') return checks;
  checks.push(
    commandCheck('unshare', 'util-linux', 'makes the namespaces', true),
    commandCheck('ip', 'iproute2', 'makes the course network, the student hosts and their links', true),
    commandCheck('nsenter', 'util-linux', 'runs programs on a student host', true),
    commandCheck('setpriv', 'util-linux', 'ends the campus with socklab, even on kill -9', true),
    commandCheck('mount', 'mount', 'binds the hosts file', true),
    userNamespaceCheck(),
  );
  // Not run before every campus (it costs a namespace): the campus says itself when a link cannot be made.
  if (options.campusOnly) return checks;
  checks.push(
    ...(checks.every((check) => check.ok) ? [linksCheck()] : []),
    netemCheck(),
    pythonCheck(options.python ?? ''),
    commandCheck('bwrap', 'bubblewrap', 'runs the programs `socklab check` is given, each in a sandbox', false),
    commandCheck('tcpdump', 'tcpdump', 'captures for Wireshark', false),
    commandCheck('tshark', 'tshark', 'counts packets in captures', false),
    commandCheck('openssl', 'openssl', 'interop checks of keys and certificates', false),
    commandCheck('chromium', 'chromium', 'renders the HTML reports', false),
  );
  return checks;
}
