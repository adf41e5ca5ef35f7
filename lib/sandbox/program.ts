import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bwrapArgs, INSIDE_UID } from './bwrap.js';
import { programCgroup, type ProgramCgroup } from './cgroup.js';
import { copyPlain, type LeftOut, plainEntries } from './folder.js';
import { descendants, listeningByInode, type ListeningSocket } from './proc.js';

export type { ListeningSocket } from './proc.js';

/**
 * Runs one program of a student's submission, which is untrusted code, under bubblewrap
 * (lib/sandbox/bwrap.ts): in a copy of its folder on a size-limited tmpfs (the submission itself
 * is never visible), as a user of its own when socklab is root (lib/sandbox/uids.ts), with memory
 * and processes limited for the whole program by a cgroup where the machine allows, CPU time, file
 * size and output limited, niced, and stopped whole: killing bwrap ends its PID namespace.
 */

export interface SandboxLimits {
  cpuSeconds: number;
  memoryBytes: number;
  processes: number;
  outputBytes: number;
  fileBytes: number;
  /** Size of the working folder's tmpfs and of each of /tmp, /var/tmp and /dev/shm. */
  tmpfsBytes: number;
}

export interface ProgramOptions {
  /** The command and its arguments, relative to the folder (e.g. ["python3", "Part2_….py", "CMD_short:0"]). */
  command: string[];
  /** The submission folder: its plain files and folders are copied into the program's working folder. */
  folder: string;
  /** Written to standard input, which is then closed; none: standard input is /dev/null. */
  stdin?: string;
  /** Folders outside /usr the interpreter reads (a venv), bound read-only. */
  readOnly?: string[];
  /** The program is stopped after this long and reported as "did not exit". */
  timeoutMs: number;
  limits: SandboxLimits;
  /** The user the program runs as, outside its sandbox (socklab is root: one leased for this run), or null: socklab's own. */
  uid: number | null;
  /**
   * Processes socklab's user already runs elsewhere: without a cgroup and without a user of its
   * own, RLIMIT_NPROC counts them too, so it is raised by this many.
   */
  processBase: number;
  /** The student host it runs on (`nsenter --net=`), or "none" for no network at all. */
  network: { netns: string } | 'none';
  /** The hosts file the program sees (the campus's); none: loopback only. */
  hostsFile?: string;
  /** Names a cgroup of its own (unique on the machine, e.g. with the uid). */
  name: string;
}

/** How a program ended, as isolate reports it. */
export type ProgramEnd = 'exited' | 'timed out' | 'stopped' | 'too much output' | 'memory limit';

export interface ProgramRun {
  end: ProgramEnd;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time, start to end. */
  durationMs: number;
  /** CPU time of all its processes (the cgroup's account), or null where no cgroup measured it. */
  cpuSeconds: number | null;
  peakMemoryBytes: number | null;
  /** Processes it was running when it was stopped (a fork bomb shows here). */
  processesAtStop: number;
  /** A fork failed at the process limit. */
  processLimitHit: boolean;
  /** Which limits held it, in words (cgroup or rlimits). */
  limitsApplied: string;
  /** Files of the submission the program deleted or changed in its copy. */
  folderChanges: string[];
  /** What the folder held that is not a plain file or folder, left out of its copy. */
  leftOut: LeftOut[];
}

const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** The /etc files a program sees: who it is, and how names resolve (the campus's hosts file, files first). */
function etcFiles(scratch: string, hostsFile: string | undefined): Record<string, string> {
  const files: Record<string, string> = {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nstudent:x:${INSIDE_UID}:${INSIDE_UID}:student:/work:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nstudent:x:${INSIDE_UID}:\nnogroup:x:65534:\n`,
    'nsswitch.conf': 'passwd: files\ngroup: files\nhosts: files dns\n',
    // Every line of a name, not only the first: a course host has an IPv4 and an IPv6 line.
    'host.conf': 'multi on\n',
    hosts: hostsFile ? readFileSync(hostsFile, 'utf8') : '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n',
  };
  const dir = path.join(scratch, 'etc');
  mkdirSync(dir, { mode: 0o755 });
  return Object.fromEntries(Object.entries(files).map(([name, text]) => {
    writeFileSync(path.join(dir, name), text, { mode: 0o644 });
    return [name, path.join(dir, name)];
  }));
}

/** A tmpfs of `bytes` at `dir` (in the campus's own mount namespace), or false where socklab may not mount. */
function mountTmpfs(dir: string, bytes: number): boolean {
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'socklab-work', dir], { stdio: 'ignore' }).status === 0;
}

export class SandboxedProgram {
  readonly finished: Promise<ProgramRun>;
  private readonly child: ChildProcess;
  private readonly scratch: string;
  private readonly work: string;
  private readonly mounted: boolean;
  private readonly cgroup: ProgramCgroup | null;
  private readonly leftOut: LeftOut[];
  private stdout: Buffer[] = [];
  private stderr: Buffer[] = [];
  private outputBytes = 0;
  private ending: ProgramEnd | null = null;
  private processesAtStop = 0;
  private readonly startedAt = performance.now();

  constructor(private readonly options: ProgramOptions) {
    const { limits, uid } = options;
    this.scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-sandbox-'));
    chmodSync(this.scratch, 0o711); // bwrap, as the program's user, reaches the folders it binds
    this.work = path.join(this.scratch, 'work');
    mkdirSync(this.work);
    this.mounted = mountTmpfs(this.work, limits.tmpfsBytes);
    this.leftOut = copyPlain(options.folder, this.work, uid);
    const etc = etcFiles(this.scratch, options.hostsFile);
    this.cgroup = programCgroup(`socklab-${options.name}`, { memoryBytes: limits.memoryBytes, processes: limits.processes });
    // Without a cgroup, the per-process rlimits stand in for the group's limits.
    const nproc = limits.processes + (uid === null ? options.processBase : 0);
    const perProcess = this.cgroup ? [] : [`--as=${limits.memoryBytes}`, `--nproc=${nproc}`];
    const limit = ['/usr/bin/prlimit', `--cpu=${limits.cpuSeconds}`, `--fsize=${limits.fileBytes}`, '--core=0', ...perProcess, '--'];
    const bwrap = ['bwrap', ...bwrapArgs({ work: this.work, etc, tmpfsBytes: limits.tmpfsBytes, isolateNetwork: options.network === 'none', readOnly: options.readOnly ?? [] }), '--', ...limit, ...options.command];
    const asUser = uid === null ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
    // The group is joined by the first process, before anything of the program runs; then niced,
    // so that a program that spins slows the emulators (whose timings are judged) as little as possible.
    const enter = this.cgroup ? ['sh', '-c', 'for procs in "$@"; do [ "$procs" = -- ] && break; echo $$ > "$procs" || exit 125; shift; done; shift; exec "$@"', 'enter', ...this.cgroup.procs, '--'] : [];
    const onHost = options.network === 'none' ? [] : ['nsenter', `--net=${options.network.netns}`, '--'];
    const command = [...onHost, ...enter, 'nice', '-n', '10', ...asUser, ...bwrap];
    this.child = spawn(command[0]!, command.slice(1), {
      // SOCKLAB_SANDBOX names the run (its scratch folder outside), so that a leftover process can be told apart.
      env: { PATH: SANDBOX_PATH, HOME: '/work', TMPDIR: '/tmp', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', SOCKLAB_SANDBOX: this.scratch },
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    this.child.stdin?.on('error', () => undefined); // a program that never reads its input
    this.child.stdin?.end(options.stdin);
    this.child.stdout!.on('data', (chunk: Buffer) => this.collect(this.stdout, chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => this.collect(this.stderr, chunk));
    const timer = setTimeout(() => this.kill('timed out'), options.timeoutMs);
    this.finished = new Promise((resolve) => {
      this.child.on('error', (error) => this.collect(this.stderr, Buffer.from(`cannot start: ${error.message}\n`)));
      this.child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        resolve(this.result(exitCode, signal));
      });
    });
  }

  private collect(into: Buffer[], chunk: Buffer): void {
    const room = this.options.limits.outputBytes - this.outputBytes;
    if (room > 0) into.push(chunk.subarray(0, room));
    this.outputBytes += chunk.length;
    if (this.outputBytes > this.options.limits.outputBytes) this.kill('too much output');
  }

  /** bwrap's own first process outside (with --die-with-parent, its sandbox dies with it, and every process inside with that). */
  private kill(reason: ProgramEnd): void {
    if (this.ending || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.ending = reason;
    if (this.child.pid) this.processesAtStop = Math.max(0, descendants(this.child.pid).length - 1); // bwrap's own init inside is not the program's
    this.child.kill('SIGKILL');
  }

  /** What it has printed on standard output so far (part 3 stops a client once its answer shows). */
  stdoutSoFar(): string {
    return Buffer.concat(this.stdout).toString('utf8');
  }

  /** Ends a program that is expected to run until stopped (a server, a receiver). */
  stop(): Promise<ProgramRun> {
    this.kill('stopped');
    return this.finished;
  }

  /** The TCP ports the program's processes listen on (part 6: the server's port, whatever it chose). */
  listening(): ListeningSocket[] {
    if (!this.child.pid) return [];
    const sockets = listeningByInode(this.child.pid);
    const found: ListeningSocket[] = [];
    for (const pid of descendants(this.child.pid)) {
      let fds: string[] = [];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
          const socket = inode ? sockets.get(inode) : undefined;
          if (socket && !found.some((known) => known.port === socket.port && known.address === socket.address)) found.push(socket);
        } catch {
          // closed meanwhile
        }
      }
    }
    return found;
  }

  private folderChanges(): string[] {
    const changes: string[] = [];
    for (const file of plainEntries(this.options.folder).files) {
      const copy = readOrNull(path.join(this.work, file));
      if (copy === null) changes.push(`deleted ${file}`);
      else if (!copy.equals(readFileSync(path.join(this.options.folder, file)))) changes.push(`changed ${file}`);
    }
    return changes;
  }

  private limitsApplied(): string {
    const { limits } = this.options;
    const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
    const group = this.cgroup
      ? `${this.cgroup.kind}: ${mib(limits.memoryBytes)} of memory and ${limits.processes} processes for the whole program`
      : `no cgroup here: ${mib(limits.memoryBytes)} of address space per process (RLIMIT_AS) and ${limits.processes} processes for the user (RLIMIT_NPROC)`;
    const tmpfs = this.mounted ? `${mib(limits.tmpfsBytes)} for its folder, /tmp, /var/tmp and /dev/shm each` : `${mib(limits.tmpfsBytes)} for /tmp, /var/tmp and /dev/shm each (its folder not size-limited: no tmpfs could be mounted)`;
    return `${group}; ${limits.cpuSeconds} s of CPU, ${mib(limits.fileBytes)} per file, ${tmpfs}; ${mib(limits.outputBytes)} of output`;
  }

  private result(exitCode: number | null, signal: NodeJS.Signals | null): ProgramRun {
    let folderChanges: string[];
    try {
      folderChanges = this.folderChanges();
    } catch (error) {
      folderChanges = [`its folder could not be read back: ${(error as Error).message}`];
    }
    const memoryHit = this.cgroup?.memoryLimitHit() ?? false;
    const run: ProgramRun = {
      end: this.ending ?? (memoryHit && exitCode !== 0 ? 'memory limit' : 'exited'),
      exitCode: this.ending ? null : exitCode,
      signal: this.ending ? null : signal,
      stdout: Buffer.concat(this.stdout).toString('utf8'),
      stderr: Buffer.concat(this.stderr).toString('utf8'),
      durationMs: Math.round(performance.now() - this.startedAt),
      cpuSeconds: this.cgroup?.cpuSeconds() ?? null,
      peakMemoryBytes: this.cgroup?.peakMemoryBytes() ?? null,
      processesAtStop: this.processesAtStop,
      processLimitHit: this.cgroup?.processLimitHit() ?? false,
      limitsApplied: this.limitsApplied(),
      folderChanges,
      leftOut: this.leftOut,
    };
    this.cgroup?.remove();
    if (this.mounted) spawnSync('umount', ['--lazy', this.work], { stdio: 'ignore' });
    rmSync(this.scratch, { recursive: true, force: true });
    return run;
  }
}

/** One line on how a program ended, for the evidence. */
export function describeEnd(run: ProgramRun, options: { timeoutMs: number; outputBytes: number; processes: number }): string {
  const after = `after ${(run.durationMs / 1000).toFixed(1)} s`;
  const forks = run.processesAtStop >= options.processes / 2 || run.processLimitHit ? `; ${run.processesAtStop} processes were running (limit ${options.processes}): a fork bomb?` : '';
  switch (run.end) {
    case 'timed out':
      return `did not exit within ${Math.round(options.timeoutMs / 1000)} s and was stopped${forks}`;
    case 'too much output':
      return `printed more than ${options.outputBytes} bytes and was stopped${forks}`;
    case 'memory limit':
      return `stopped at its memory limit ${after}${forks}`;
    case 'stopped':
      return `stopped by the checker ${after}, as planned${forks}`;
    case 'exited':
      if (run.signal === 'SIGXCPU') return `killed by SIGXCPU ${after}: its CPU time limit`;
      if (run.signal === 'SIGKILL') return `killed by SIGKILL ${after} (CPU or memory limit)`;
      return run.signal ? `killed by ${run.signal} ${after}` : `exited with ${run.exitCode} ${after}`;
  }
}

/** The isolate-style record of a run, for the evidence: how it ended, CPU and wall time, memory, processes, the limits. */
export function describeUsage(run: ProgramRun): string {
  const cpu = run.cpuSeconds === null ? 'CPU not measured (no cgroup)' : `CPU ${run.cpuSeconds.toFixed(2)} s`;
  const memory = run.peakMemoryBytes === null ? 'peak memory not measured' : `peak memory ${(run.peakMemoryBytes / 1048576).toFixed(1)} MiB`;
  const left = run.leftOut.length > 0 ? `\nleft out of its folder: ${run.leftOut.map((entry) => `${entry.path} (${entry.kind})`).join(', ')}` : '';
  return `${cpu}, wall ${(run.durationMs / 1000).toFixed(2)} s, ${memory}, ${run.processesAtStop} processes at stop${run.processLimitHit ? ', the process limit was hit' : ''}\nlimits: ${run.limitsApplied}${left}`;
}
