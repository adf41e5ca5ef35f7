import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { formatHostPort } from '../lib/address.js';
import { type CourseNames, courseNames, hostsFile } from '../lib/campus/hosts.js';
import { machineChecks, unshareArgs } from '../lib/campus/doctor.js';
import { describeError, socklabError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { resolveProjectPath } from '../lib/paths.js';
import type { Service } from '../services/service.js';
import type { CampusFlags } from './commands/campus.js';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** 128 + the signal's number, as a shell reports a program a signal ended. */
function signalExitCode(signal: NodeJS.Signals | null): number {
  return signal ? 128 + (os.constants.signals[signal] ?? 0) : 1;
}

/**
 * Runs socklab again (`inner`: its arguments) as the init of new namespaces, having checked that
 * the machine can make them, and passes it the signals this process gets. unshare --fork ignores
 * SIGINT and SIGTERM itself, so they go to its child, the campus's init.
 */
export async function inNamespaces(inner: string[], stdio: 'inherit' | ['ignore', 'ignore', 'inherit'] = 'inherit'): Promise<number> {
  const failing = campusProblem();
  if (failing) throw socklabError('SOCKLAB_ERR_USAGE', `socklab campus cannot run here: ${failing}`);
  const child = spawn('unshare', [...unshareArgs(), '--', process.execPath, process.argv[1]!, ...inner], { stdio });
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

function run(command: string, args: string[]): { ok: boolean; error: string } {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: result.status === 0, error: (result.stderr || result.error?.message || '').trim() };
}

function must(command: string, args: string[]): void {
  const result = run(command, args);
  if (!result.ok) throw socklabError('SOCKLAB_ERR_NETWORK', `campus: \`${command} ${args.join(' ')}\` failed: ${result.error}`);
}

/**
 * lo up with the course path's MTU, GSO/GRO no larger (loopback otherwise hands a capture
 * super-packets of many segments), and a multicast route so that a program that sets no
 * interface still reaches 224.0.0.0/4 (with source 127.0.0.1, or its datagrams come from 0.0.0.0).
 */
function setUpNetwork(mtu: number, flags: CampusFlags): string[] {
  const notes: string[] = [];
  must('ip', ['link', 'set', 'dev', 'lo', 'up', 'mtu', String(mtu)]);
  for (const size of ['gso_max_size', 'gro_max_size']) {
    const result = run('ip', ['link', 'set', 'dev', 'lo', size, String(mtu)]);
    if (!result.ok) notes.push(`lo ${size} stays as it was (${result.error}): a capture may show merged segments`);
  }
  must('ip', ['route', 'add', '224.0.0.0/4', 'dev', 'lo', 'src', '127.0.0.1']);
  if (flags.delay !== undefined || flags.loss !== undefined) {
    const netem = [...(flags.delay ? ['delay', flags.delay] : []), ...(flags.loss ? ['loss', flags.loss] : [])];
    const result = run('tc', ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', ...netem]);
    if (!result.ok) notes.push(`no ${netem.join(' ')}: this kernel has no sch_netem (${result.error}); going on with the MTU only`);
  }
  return notes;
}

export interface Campus {
  names: CourseNames;
  /** The hosts file bind-mounted over /etc/hosts. */
  hosts: string;
  /** What could not be set up as asked, for the user. */
  notes: string[];
  /** Removes the campus's scratch folder (the mounts go with the namespace). */
  remove(): void;
}

/** Inside new namespaces (as their root): the network and the course names. */
export function setUpCampus(config: LoadedConfig['config'], flags: CampusFlags): Campus {
  const notes = setUpNetwork(config.campus.mtu, flags);
  const epfl = loadConfig({ profile: 'epfl', env: {} }).config;
  const names = courseNames({ pmuTcpHost: epfl.client.pmuTcp.host, pmuWsUrl: epfl.client.pmuWs.url, proberHosts: epfl.prober.hosts });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-campus-'));
  const hosts = path.join(scratch, 'hosts');
  writeFileSync(hosts, hostsFile(names));
  must('mount', ['--bind', hosts, '/etc/hosts']); // private mount namespace: gone with the campus
  return { names, hosts, notes, remove: () => rmSync(scratch, { recursive: true, force: true }) };
}

/** The inner half: runs as the init of the campus's namespaces (as root in them). */
export async function runInside(loaded: LoadedConfig, flags: CampusFlags, commandLine: string[]): Promise<number> {
  const { config } = loaded;
  const { names, hosts, notes, remove } = setUpCampus(config, flags);
  for (const note of notes) process.stderr.write(`socklab campus: ${note}\n`);

  const logger = createLogger({ service: 'campus', level: 'warn', format: 'text', dir: '', rotateBytes: 1e7, keepFiles: 1, stream: process.stderr });
  const services: Service[] = [];
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
    const lab = (await import('../services/lab/index.js')).createService(config, logger, { onFatal });
    services.push(lab);
    await lab.start();
    if (flags.tlsPmu) {
      if (loaded.profile === 'local') {
        const { ensureLocalServerCertificate } = await import('../lib/certs/local.js');
        ensureLocalServerCertificate({ keyFile: resolveProjectPath(config.tlsPmu.key), certFile: resolveProjectPath(config.tlsPmu.cert), caDir: resolveProjectPath(config.tlsPmu.localCa) });
      }
      const tlsPmu = (await import('../services/tls-pmu/index.js')).createService(config, logger, { onFatal });
      services.push(tlsPmu);
      await tlsPmu.start();
    }
    if (stopping) return signalExitCode(stopping);
    const program = commandLine.length > 0 ? commandLine : [process.env.SHELL || '/bin/sh'];
    if (commandLine.length === 0) process.stderr.write(banner(config, names, flags));
    child = spawn(program[0]!, program.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, SOCKLAB_PROFILE: 'epfl', JAVA_TOOL_OPTIONS: `-Djdk.net.hosts.file=${hosts}` },
    });
    const ran = child;
    return await new Promise<number>((resolve) => {
      ran.on('error', (error) => {
        process.stderr.write(`socklab campus: cannot run ${program[0]}: ${error.message}\n`);
        resolve(127);
      });
      ran.on('exit', (code, signal) => resolve(code ?? signalExitCode(signal)));
    });
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
    await Promise.all(services.map((service) => service.close().catch(() => undefined)));
    remove();
  }
}

function banner(config: LoadedConfig['config'], names: ReturnType<typeof courseNames>, flags: CampusFlags): string {
  const { lab, tlsPmu, campus } = config;
  return [
    '',
    `socklab campus: a private network with only lo (MTU ${campus.mtu}); nothing here reaches another machine.`,
    ...names.ipv4.map((name) => `  ${name.padEnd(18)} 127.0.0.1        PMU over TCP :${lab.pmuTcp.port}, over WebSocket :${lab.pmuWs.port}`),
    ...names.dualStack.map((name) => `  ${name.padEnd(18)} 127.0.0.1, ::1   RESET over UDP :${lab.pmuUdp.port} (${lab.pmuUdp.family === 'schedule' ? 'family by hour' : `${lab.pmuUdp.family} only`})`),
    `  ${formatHostPort(lab.tv.group, lab.tv.port).padEnd(18)} the TV channel   (224.0.0.0/4 routed on lo, source 127.0.0.1)`,
    ...(flags.tlsPmu ? [`  ${'TLS PMU'.padEnd(18)} 127.0.0.1        :${tlsPmu.port} (${tlsPmu.cert})`] : []),
    'SOCKLAB_PROFILE=epfl: socklab\'s own commands use the course names here. `exit` leaves the campus.',
    '',
  ].join('\n');
}
