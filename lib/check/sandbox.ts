import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs one program of a student's submission, which is untrusted code: in a scratch copy of the
 * folder (the submission itself is never touched), in its own PID namespace (killing its first
 * process kills every process it started, however it forked or detached), as an unprivileged user
 * when socklab is root, niced, with CPU time, address space, processes, file size and output limited.
 * Meant to run inside `socklab campus`, where the only network is its loopback.
 */

export interface SandboxLimits {
  cpuSeconds: number;
  memoryBytes: number;
  processes: number;
  outputBytes: number;
  fileBytes: number;
}

export interface ProgramOptions {
  /** The command and its arguments, relative to the folder (e.g. ["python3", "Part2_….py", "CMD_short:0"]). */
  command: string[];
  /** The submission folder; the program runs in a scratch copy of it. */
  folder: string;
  /** Written to standard input, which is then closed; none: standard input is /dev/null. */
  stdin?: string;
  /** The program is stopped after this long and reported as "did not exit". */
  timeoutMs: number;
  limits: SandboxLimits;
  /** Run as this user and group (socklab is root), or null to run as socklab's own user. */
  uid: number | null;
  /**
   * Processes the user already runs elsewhere: RLIMIT_NPROC counts all of a user's processes, so
   * without a user of its own the limit is raised by this many.
   */
  processBase: number;
  /** The network namespace of the student host it runs on (`nsenter --net=`); none: socklab's own. */
  netns?: string;
}

export type ProgramEnd = 'exited' | 'timed out' | 'stopped' | 'too much output';

export interface ProgramRun {
  end: ProgramEnd;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Processes it was running when it was stopped (a fork bomb shows here). */
  processesAtStop: number;
  /** Files of the submission the program deleted or changed in its copy. */
  folderChanges: string[];
}

const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

function filesUnder(root: string, relative = ''): string[] {
  const entries = readdirSync(path.join(root, relative), { withFileTypes: true });
  return entries.flatMap((entry) => {
    const name = path.join(relative, entry.name);
    if (entry.isDirectory()) return filesUnder(root, name);
    return entry.isFile() ? [name] : [];
  });
}

function chownTree(root: string, uid: number): void {
  chownSync(root, uid, uid);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const entryPath = path.join(root, entry.name);
    if (entry.isDirectory()) chownTree(entryPath, uid);
    else chownSync(entryPath, uid, uid);
  }
}

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Each process's parent, from /proc (of the campus's PID namespace). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  return map;
}

function descendants(root: number): number[] {
  const parentOf = parents();
  const found = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (!found.has(pid) && found.has(parent)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(root);
  return [...found];
}

/** unshare --fork's child: the first process of the new PID namespace. */
function namespaceInit(unshare: number): number | null {
  try {
    const pid = Number(readFileSync(`/proc/${unshare}/task/${unshare}/children`, 'utf8').trim().split(' ')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** "0100007F:1F4B" (little-endian IPv4) or 32 hex digits of IPv6, as /proc/net/tcp{,6} writes them. */
function decodeAddress(hex: string): { address: string; port: number } {
  const [host, port] = hex.split(':') as [string, string];
  let address: string;
  if (host.length === 8) address = Buffer.from(host, 'hex').reverse().join('.');
  else {
    const words = Buffer.from(host, 'hex');
    for (let at = 0; at < 16; at += 4) words.subarray(at, at + 4).reverse();
    address = (words.toString('hex').match(/.{4}/g) ?? []).join(':').replace(/(^|:)0{1,3}/g, '$1');
  }
  return { address, port: parseInt(port, 16) };
}

export interface ListeningSocket {
  address: string;
  port: number;
}

/** TCP sockets in LISTEN state (0A) of the network namespace `pid` is in, by inode. */
function listeningByInode(pid: number): Map<string, ListeningSocket> {
  const map = new Map<string, ListeningSocket>();
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    const text = readOrNull(table)?.toString() ?? '';
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') map.set(fields[9]!, decodeAddress(fields[1]!));
    }
  }
  return map;
}

export class SandboxedProgram {
  readonly finished: Promise<ProgramRun>;
  private readonly child: ChildProcess;
  private readonly scratch: string;
  private readonly work: string;
  private stdout: Buffer[] = [];
  private stderr: Buffer[] = [];
  private outputBytes = 0;
  private ending: ProgramEnd | null = null;
  private processesAtStop = 0;
  private readonly startedAt = performance.now();

  constructor(private readonly options: ProgramOptions) {
    this.scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-check-'));
    this.work = path.join(this.scratch, path.basename(options.folder));
    cpSync(options.folder, this.work, { recursive: true, dereference: false });
    const { limits, uid } = options;
    if (uid !== null) chownTree(this.scratch, uid);
    const nproc = limits.processes + (uid === null ? options.processBase : 0);
    const asUser = uid === null ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
    const limit = ['prlimit', `--cpu=${limits.cpuSeconds}`, `--as=${limits.memoryBytes}`, `--nproc=${nproc}`, `--fsize=${limits.fileBytes}`, '--core=0', '--'];
    // Niced, so that a program that spins (or forks without end) slows the emulators and the other
    // jobs' programs as little as possible: their timings are what the checker judges.
    const onHost = options.netns ? ['nsenter', `--net=${options.netns}`, '--'] : [];
    const command = [...onHost, 'unshare', '--pid', '--fork', '--kill-child', '--', 'nice', '-n', '10', ...asUser, ...limit, ...options.command];
    this.child = spawn(command[0]!, command.slice(1), {
      cwd: this.work,
      env: { PATH: SANDBOX_PATH, HOME: this.work, TMPDIR: this.work, LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
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

  private kill(reason: ProgramEnd): void {
    if (this.ending || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.ending = reason;
    const unshare = this.child.pid;
    if (unshare) {
      this.processesAtStop = descendants(unshare).length;
      // The program is the init of its PID namespace: when it dies, the kernel kills every process
      // inside. unshare's --kill-child cannot be relied on for it: setpriv's change of user clears
      // the parent-death signal.
      const init = namespaceInit(unshare);
      if (init !== null) process.kill(init, 'SIGKILL');
    }
    this.child.kill('SIGKILL');
  }

  /** Ends a program that is expected to run until stopped (a server, a receiver). */
  stop(): Promise<ProgramRun> {
    this.kill('stopped');
    return this.finished;
  }

  /** Output so far. */
  get output(): string {
    return Buffer.concat(this.stdout).toString('utf8');
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
    for (const file of filesUnder(this.options.folder)) {
      const copy = readOrNull(path.join(this.work, file));
      if (copy === null) changes.push(`deleted ${file}`);
      else if (!copy.equals(readFileSync(path.join(this.options.folder, file)))) changes.push(`changed ${file}`);
    }
    return changes;
  }

  private result(exitCode: number | null, signal: NodeJS.Signals | null): ProgramRun {
    let folderChanges: string[];
    try {
      folderChanges = this.folderChanges();
    } catch (error) {
      folderChanges = [`its folder could not be read back: ${(error as Error).message}`];
    }
    rmSync(this.scratch, { recursive: true, force: true });
    return {
      end: this.ending ?? 'exited',
      exitCode: this.ending ? null : exitCode,
      signal: this.ending ? null : signal,
      stdout: Buffer.concat(this.stdout).toString('utf8'),
      stderr: Buffer.concat(this.stderr).toString('utf8'),
      durationMs: Math.round(performance.now() - this.startedAt),
      processesAtStop: this.processesAtStop,
      folderChanges,
    };
  }
}

/** One line on how a program ended, for the evidence. */
export function describeEnd(run: ProgramRun, options: { timeoutMs: number; outputBytes: number; processes: number }): string {
  const after = `after ${(run.durationMs / 1000).toFixed(1)} s`;
  const forks = run.processesAtStop >= options.processes / 2 ? `; ${run.processesAtStop} processes were running (limit ${options.processes}): a fork bomb?` : '';
  switch (run.end) {
    case 'timed out':
      return `did not exit within ${Math.round(options.timeoutMs / 1000)} s and was stopped${forks}`;
    case 'too much output':
      return `printed more than ${options.outputBytes} bytes and was stopped${forks}`;
    case 'stopped':
      return `stopped by the checker ${after}, as planned${forks}`;
    case 'exited':
      if (run.signal === 'SIGXCPU' || run.signal === 'SIGKILL') return `killed by ${run.signal} ${after} (CPU limit or memory)`;
      return run.signal ? `killed by ${run.signal} ${after}` : `exited with ${run.exitCode} ${after}`;
  }
}
