import { existsSync, lstatSync } from 'node:fs';

/** The user a program is inside its sandbox: never root, so no capability survives even in its own namespace. */
export const INSIDE_UID = 1000;
export const WORK = '/work';

export interface BwrapOptions {
  /** The program's working folder on this side (a size-limited tmpfs), bound read-write at /work. */
  work: string;
  /** Files for /etc (passwd, group, hosts, nsswitch.conf), each bound read-only. */
  etc: Record<string, string>;
  /** Size of each tmpfs: /tmp, /var/tmp, /dev/shm. */
  tmpfsBytes: number;
  /** No network at all (a test, a tool); otherwise the network namespace bwrap is started in. */
  isolateNetwork: boolean;
  /** More folders bound read-only where they are (a venv's Python); those below /usr are there already. */
  readOnly?: string[];
}

/** Read-only system paths interpreters need; the merged-/usr links are recreated as links. */
const SYSTEM = ['/usr', '/etc/ssl', '/etc/alternatives', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/localtime', '/etc/mime.types'];
const LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * bubblewrap's command line for one program (bwrap 0.8): every namespace new but the network's
 * (the program's student host), a non-zero uid inside, no capabilities, no nested user
 * namespaces, a new session (no TIOCSTI into the grader's terminal), death with its parent, and
 * no_new_privs (bwrap always sets it: a setuid binary gains nothing). The root is minimal: the
 * system read-only, a private /proc and /dev, size-limited tmpfs for /tmp, /var/tmp, /dev/shm,
 * and the working folder. Nothing of socklab, the checker or other submissions is there.
 */
export function bwrapArgs(options: BwrapOptions): string[] {
  const args = [
    '--unshare-user', '--uid', String(INSIDE_UID), '--gid', String(INSIDE_UID),
    '--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try',
    ...(options.isolateNetwork ? ['--unshare-net'] : []),
    '--die-with-parent', '--new-session', '--disable-userns', '--cap-drop', 'ALL',
    '--hostname', 'student',
  ];
  for (const dir of SYSTEM) if (existsSync(dir)) args.push('--ro-bind', dir, dir);
  for (const link of LINKS) {
    if (!existsSync(link)) continue;
    const stat = lstatSync(link);
    if (stat.isSymbolicLink()) args.push('--symlink', `usr${link}`, link);
    else args.push('--ro-bind', link, link);
  }
  for (const dir of options.readOnly ?? []) if (existsSync(dir) && dir !== '/' && !/^\/usr(\/|$)/.test(dir)) args.push('--ro-bind', dir, dir);
  for (const [name, file] of Object.entries(options.etc)) args.push('--ro-bind', file, `/etc/${name}`);
  const size = String(options.tmpfsBytes);
  args.push('--proc', '/proc', '--dev', '/dev');
  for (const dir of ['/tmp', '/var/tmp', '/dev/shm']) args.push('--size', size, '--tmpfs', dir);
  args.push('--bind', options.work, WORK, '--chdir', WORK);
  return args;
}
