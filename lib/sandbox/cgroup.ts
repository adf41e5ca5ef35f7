import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A control group of its own for one program: memory and process count limited for all its
 * processes together (RLIMIT_AS and RLIMIT_NPROC are per process and per user), and what it used
 * read back. cgroup v1 as root (each controller a hierarchy of its own, as on this kind of
 * machine), or v2 where socklab's own cgroup delegates memory and pids to it. Elsewhere null, and
 * the rlimits apply alone.
 */
export interface ProgramCgroup {
  kind: 'cgroup v1' | 'cgroup v2';
  /** The `cgroup.procs` files a process writes its pid to, to enter the group before it execs the program. */
  procs: string[];
  peakMemoryBytes(): number | null;
  /** The kernel stopped it at the memory limit (an OOM kill in the group). */
  memoryLimitHit(): boolean;
  /** A fork failed at the process limit. */
  processLimitHit(): boolean;
  cpuSeconds(): number | null;
  /** Removes the group once its processes are gone. */
  remove(): void;
}

export interface CgroupLimits {
  memoryBytes: number;
  processes: number;
}

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const field = (text: string | null, name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text ?? '')?.[1] ?? 0);

/** Where this process sits in each v1 hierarchy, from /proc/self/cgroup ("4:memory:/a/b"). */
function ownV1(controller: string): string | null {
  for (const line of (read('/proc/self/cgroup') ?? '').split('\n')) {
    const [, controllers, where] = line.split(':');
    if (controllers?.split(',').includes(controller)) {
      const mount = path.join('/sys/fs/cgroup', controller);
      return existsSync(path.join(mount, 'cgroup.procs')) ? path.join(mount, where ?? '/') : null;
    }
  }
  return null;
}

function removeAll(dirs: readonly string[]): void {
  for (const dir of dirs) {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
        // EBUSY while the last processes are being reaped: the kernel frees it a moment later.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      }
    }
  }
}

function v1(name: string, limits: CgroupLimits): ProgramCgroup | null {
  const bases = { memory: ownV1('memory'), pids: ownV1('pids'), cpuacct: ownV1('cpuacct') };
  if (!bases.memory || !bases.pids) return null;
  const dirs = { memory: path.join(bases.memory, name), pids: path.join(bases.pids, name), cpuacct: bases.cpuacct ? path.join(bases.cpuacct, name) : null };
  const made: string[] = [];
  try {
    for (const dir of [dirs.memory, dirs.pids, dirs.cpuacct].filter((dir): dir is string => dir !== null)) {
      mkdirSync(dir);
      made.push(dir);
    }
    writeFileSync(path.join(dirs.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
    // With swap accounting, swap counts too: a program cannot page its way past the limit.
    if (existsSync(path.join(dirs.memory, 'memory.memsw.limit_in_bytes'))) writeFileSync(path.join(dirs.memory, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
    writeFileSync(path.join(dirs.pids, 'pids.max'), String(limits.processes));
  } catch {
    removeAll(made);
    return null; // not root, or a read-only hierarchy
  }
  return {
    kind: 'cgroup v1',
    procs: made.map((dir) => path.join(dir, 'cgroup.procs')),
    peakMemoryBytes: () => Number(read(path.join(dirs.memory, 'memory.max_usage_in_bytes')) ?? NaN) || null,
    memoryLimitHit: () => field(read(path.join(dirs.memory, 'memory.oom_control')), 'oom_kill') > 0 || Number(read(path.join(dirs.memory, 'memory.failcnt')) ?? 0) > 0,
    processLimitHit: () => field(read(path.join(dirs.pids, 'pids.events')), 'max') > 0,
    cpuSeconds: () => (dirs.cpuacct ? Number(read(path.join(dirs.cpuacct, 'cpuacct.usage')) ?? NaN) / 1e9 || null : null),
    remove: () => removeAll(made),
  };
}

function v2(name: string, limits: CgroupLimits): ProgramCgroup | null {
  const own = /^0::(.*)$/m.exec(read('/proc/self/cgroup') ?? '')?.[1];
  const mount = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'].find((candidate) => existsSync(path.join(candidate, 'cgroup.controllers')));
  if (own === undefined || !mount) return null;
  const parent = path.join(mount, own);
  const delegated = (read(path.join(parent, 'cgroup.subtree_control')) ?? '').split(/\s+/);
  if (!delegated.includes('memory') || !delegated.includes('pids')) return null;
  const dir = path.join(parent, name);
  try {
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'memory.max'), String(limits.memoryBytes));
    if (existsSync(path.join(dir, 'memory.swap.max'))) writeFileSync(path.join(dir, 'memory.swap.max'), '0');
    writeFileSync(path.join(dir, 'pids.max'), String(limits.processes));
  } catch {
    removeAll([dir]);
    return null;
  }
  return {
    kind: 'cgroup v2',
    procs: [path.join(dir, 'cgroup.procs')],
    peakMemoryBytes: () => Number(read(path.join(dir, 'memory.peak')) ?? NaN) || null,
    memoryLimitHit: () => field(read(path.join(dir, 'memory.events')), 'oom_kill') > 0,
    processLimitHit: () => field(read(path.join(dir, 'pids.events')), 'max') > 0,
    cpuSeconds: () => field(read(path.join(dir, 'cpu.stat')), 'usage_usec') / 1e6 || null,
    remove: () => removeAll([dir]),
  };
}

/** A cgroup named `name` under socklab's own, with the limits; null where the machine does not let socklab make one. */
export function programCgroup(name: string, limits: CgroupLimits): ProgramCgroup | null {
  return v2(name, limits) ?? v1(name, limits);
}
