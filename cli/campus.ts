import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../config/index.js';
import type { Config } from '../config/schema.js';
import { formatHostPort } from '../lib/address.js';
import { type CourseHost, hostsFile, ROUTER, withAliases } from '../lib/campus/hosts.js';
import { addStudentHost, BRIDGE, type LinkConditions, setUpCourseNetwork, STUDENT_INTERFACE, type StudentHost } from '../lib/campus/network.js';
import { machineChecks, unshareArgs } from '../lib/campus/doctor.js';
import { describeError, socklabError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { resolveProjectPath } from '../lib/paths.js';
import { signalExitCode, STOP_SIGNALS } from '../lib/signals.js';
import { courseHostServices } from '../services/lab/hosts.js';
import type { Service } from '../services/service.js';

/** `socklab campus`'s flags (also what `check` and `notebook` ask of a campus). */
export interface CampusFlags {
  tlsPmu?: boolean;
  delay?: string;
  loss?: string;
  /** `--alias NAME=HOST`: another name or address of a course host. */
  alias?: string[];
  /** The emulators' log lines (sessions, requests, with the peer's address) on stderr. */
  verbose?: boolean;
  inside?: boolean;
}


/**
 * Runs socklab again (`inner`: its arguments) as the init of new namespaces, having checked that
 * the machine can make them, and passes it the signals this process gets. unshare --fork ignores
 * SIGINT and SIGTERM itself, so they go to its child, the campus's init. Nothing outlives this
 * process, even a kill -9 of it: unshare gets SIGKILL when it dies (setpriv --pdeathsig), and the
 * campus's init when unshare dies (--kill-child); the PID namespace ends with its init.
 */
export async function inNamespaces(inner: string[], stdio: 'inherit' | ['ignore', 'ignore', 'inherit'] = 'inherit'): Promise<number> {
  const failing = campusProblem();
  if (failing) throw socklabError('SOCKLAB_ERR_USAGE', `socklab campus cannot run here: ${failing}`);
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', 'unshare', ...unshareArgs(), '--kill-child', '--', process.execPath, process.argv[1]!, ...inner], { stdio });
  const campusInit = (): number | null => {
    try {
      const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
      return pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };
  const forward = (signal: NodeJS.Signals): void => {
    const pid = campusInit();
    if (pid !== null) process.kill(pid, signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      for (const stop of STOP_SIGNALS) process.off(stop, forward);
      resolve(code ?? signalExitCode(signal));
    });
  });
}

/** Why this machine cannot run the campus, with the fix; null when it can. */
export function campusProblem(): string | null {
  const failing = machineChecks({ campusOnly: true }).find((check) => !check.ok);
  return failing ? `${failing.detail}; fix: ${failing.fix}` : null;
}

/** The outer half of `socklab campus`: the same command line again, `--inside` the namespaces. */
export function enterCampus(argv: string[]): Promise<number> {
  const at = argv.indexOf('campus');
  return inNamespaces([...argv.slice(0, at + 1), '--inside', ...argv.slice(at + 1)]);
}

export interface Campus {
  hosts: CourseHost[];
  /** The hosts file bind-mounted over /etc/hosts. */
  hostsFile: string;
  /** Student host `index` (0, 1…), made on first use: one per program that must not answer for another. */
  student(index: number): Promise<StudentHost>;
  /** The emulators' settings on the course hosts: the TV channel's interface and the RESET server's addresses are the hosts'. */
  config: Config;
  /** Ends the student hosts and removes the scratch folder (the network and mounts go with the namespaces). */
  remove(): void;
}

/** Inside new namespaces (as their root): the course network, its names, and student hosts on demand. */
export function setUpCampus(config: Config, flags: Pick<CampusFlags, 'alias' | 'delay' | 'loss'>): Campus {
  let hosts: CourseHost[];
  try {
    hosts = withAliases(config.campus.hosts, flags.alias ?? []);
  } catch (error) {
    throw socklabError('SOCKLAB_ERR_USAGE', (error as Error).message);
  }
  setUpCourseNetwork(hosts, config.campus.mtu);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-campus-'));
  const hostsPath = path.join(scratch, 'hosts');
  writeFileSync(hostsPath, hostsFile(hosts));
  const mounted = spawnSync('mount', ['--bind', hostsPath, '/etc/hosts'], { encoding: 'utf8' }); // private mount namespace: gone with the campus
  if (mounted.status !== 0) throw socklabError('SOCKLAB_ERR_NETWORK', `campus: cannot mount the hosts file over /etc/hosts: ${mounted.stderr.trim()}`);
  const students = new Map<number, Promise<StudentHost>>();
  const conditions: LinkConditions = { delay: flags.delay, loss: flags.loss };
  return {
    hosts,
    hostsFile: hostsPath,
    config: { ...config, lab: { ...config.lab, tv: { ...config.lab.tv, iface: hosts.find((host) => host.emulators.includes('tv'))?.ipv4[0] ?? config.lab.tv.iface } } },
    student(index) {
      let host = students.get(index);
      if (!host) {
        host = addStudentHost(index, config.campus.mtu, conditions);
        students.set(index, host);
      }
      return host;
    },
    remove() {
      for (const host of students.values()) void host.then((made) => made.close(), () => undefined);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * What every program on a student host gets: the course names, as the epfl profile and Java see
 * them, and `check.python`'s folder first on PATH, so that `python3` there is the one check uses.
 */
function studentEnvironment(campus: Campus, python: string): NodeJS.ProcessEnv {
  const pathVariable = python.includes('/') ? `${path.dirname(python)}:${process.env.PATH ?? ''}` : process.env.PATH;
  return { ...process.env, PATH: pathVariable, SOCKLAB_PROFILE: 'epfl', JAVA_TOOL_OPTIONS: `-Djdk.net.hosts.file=${campus.hostsFile}` };
}

/**
 * The TLS PMU on the student host (`campus --tls-pmu`): the part 6 server is the student's own, on
 * their machine, so it runs there, reached on localhost as the handout's grader does. It is
 * socklab's own service, given this campus's TLS and PMU settings through a config file.
 */
async function startTlsPmu(loaded: LoadedConfig, campus: Campus, student: StudentHost): Promise<ChildProcess> {
  const { config } = loaded;
  const settings = path.join(path.dirname(campus.hostsFile), 'tls-pmu.json');
  const tlsPmu = { ...config.tlsPmu, key: resolveProjectPath(config.tlsPmu.key), cert: resolveProjectPath(config.tlsPmu.cert), localCa: resolveProjectPath(config.tlsPmu.localCa) };
  writeFileSync(settings, JSON.stringify({ tlsPmu, pmu: config.pmu }), { mode: 0o600 });
  if (loaded.profile === 'local') {
    const { ensureLocalServerCertificate } = await import('../lib/certs/local.js');
    ensureLocalServerCertificate({ keyFile: tlsPmu.key, certFile: tlsPmu.cert, caDir: tlsPmu.localCa });
  }
  const command = student.wrap([process.execPath, process.argv[1]!, 'service', 'tls-pmu', '--config', settings, '--log.format', 'json']);
  const server = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, SOCKLAB_PROFILE: loaded.profile } });
  return new Promise((resolve, reject) => {
    let said = '';
    const onData = (chunk: Buffer): void => {
      said += chunk.toString();
      for (const line of said.split('\n').filter((entry) => entry.startsWith('{'))) {
        const record = JSON.parse(line) as { message?: string; level?: string; error?: string };
        if (record.message === 'ready') {
          server.stdout!.off('data', onData);
          server.stdout!.resume();
          return resolve(server);
        }
        if (record.level === 'error') process.stderr.write(`socklab campus: TLS PMU: ${record.error ?? record.message}\n`);
      }
      said = said.slice(said.lastIndexOf('\n') + 1);
    };
    server.stdout!.on('data', onData);
    server.once('exit', (code) => reject(socklabError(code === 2 ? 'SOCKLAB_ERR_CONFIG' : 'SOCKLAB_ERR_NETWORK', `campus: the TLS PMU did not start (exit ${code})`)));
  });
}

/** Starts the course hosts' emulators; the services started so far are in `services` for closing. */
async function startEmulators(campus: Campus, logger: Logger, onFatal: (error: Error) => void, services: Service[]): Promise<void> {
  const built = courseHostServices(campus.config, campus.hosts, logger, { onFatal });
  services.push(...built);
  await Promise.all(built.map((service) => service.start()));
}

/** The inner half: runs as the init of the campus's namespaces (as root in them). */
export async function runInside(loaded: LoadedConfig, flags: CampusFlags, commandLine: string[]): Promise<number> {
  const { config } = loaded;
  const campus = setUpCampus(config, flags);
  const logger = createLogger({ service: 'campus', level: flags.verbose ? 'info' : 'warn', format: 'text', dir: '', rotateBytes: 1e7, keepFiles: 1, stream: process.stderr });
  const services: Service[] = [];
  let tlsPmu: ChildProcess | undefined;
  let child: ChildProcess | undefined;
  let stopping: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals): void => {
    stopping ??= signal;
    child?.kill(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  const onFatal = (error: Error): void => {
    logger.error('an emulator cannot go on', { error: describeError(error) });
    stop('SIGTERM');
  };
  try {
    const [student] = await Promise.all([campus.student(0), startEmulators(campus, logger, onFatal, services)]);
    for (const note of student.notes) process.stderr.write(`socklab campus: ${note}\n`);
    if (flags.tlsPmu) tlsPmu = await startTlsPmu(loaded, campus, student);
    if (stopping) return signalExitCode(stopping);
    const program = commandLine.length > 0 ? commandLine : [process.env.SHELL || '/bin/sh'];
    if (commandLine.length === 0) process.stderr.write(banner(campus, student, flags));
    const command = student.wrap(program);
    child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: studentEnvironment(campus, loaded.config.check.python) });
    const ran = child;
    return await new Promise<number>((resolve) => {
      ran.on('error', (error) => {
        process.stderr.write(`socklab campus: cannot run ${program[0]}: ${error.message}\n`);
        resolve(127);
      });
      ran.on('exit', (code, signal) => resolve(code ?? signalExitCode(signal))); // nsenter says itself when it cannot run the program (127)
    });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
    tlsPmu?.kill('SIGTERM');
    await Promise.all(services.map((service) => service.close().catch(() => undefined)));
    campus.remove();
  }
}

function banner(campus: Campus, student: StudentHost, flags: CampusFlags): string {
  const { lab, tlsPmu } = campus.config;
  const serves: Record<string, string> = {
    'pmu-tcp': `PMU over TCP :${lab.pmuTcp.port}`,
    'pmu-ws': `over WebSocket :${lab.pmuWs.port}`,
    tv: `the TV channel ${formatHostPort(lab.tv.group, lab.tv.port)}`,
    'pmu-udp': `RESET over UDP :${lab.pmuUdp.port} (${lab.pmuUdp.family === 'schedule' ? 'family by hour' : `${lab.pmuUdp.family} only`})`,
  };
  return [
    '',
    `socklab campus: your host ${student.ipv4} and ${student.ipv6} on ${STUDENT_INTERFACE} (MTU ${campus.config.campus.mtu}), default route via ${ROUTER.ipv4}; its lo is yours. Nothing here reaches another machine.`,
    ...campus.hosts.map((host) => `  ${[host.name, ...host.aliases].join(', ')}: ${[...host.ipv4, ...host.ipv6].join(', ')}: ${host.emulators.map((emulator) => serves[emulator]).join(', ')}`),
    ...(flags.tlsPmu ? [`  TLS PMU on your host: localhost:${tlsPmu.port} (${tlsPmu.cert})`] : []),
    `SOCKLAB_PROFILE=epfl: socklab's own commands use the course names here (the course network is ${BRIDGE}). \`exit\` leaves the campus.`,
    '',
  ].join('\n');
}
