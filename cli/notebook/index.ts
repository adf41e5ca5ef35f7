import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../../config/index.js';
import type { Config } from '../../config/schema.js';
import { machineChecks } from '../../lib/campus/doctor.js';
import { CA_CERT } from '../../lib/certs/ca.js';
import { ensureLocalServerCertificate } from '../../lib/certs/local.js';
import { pythonExecutable } from '../../lib/python.js';
import { createLogger } from '../../lib/logger.js';
import { resolveProjectPath, socklabVersion } from '../../lib/paths.js';
import { buildReport, type ProberReport } from '../../services/reset-prober/report.js';
import { readProberSummary } from '../../services/reset-prober/store.js';
import type { Service } from '../../services/service.js';
import { splitSettingFlags } from '../context.js';
import { Capture } from './capture.js';
import { connectRtt, type ExperimentResult, runExperiments, type Targets } from './experiments/index.js';
import { acknowledgedBeforeNext, drawPictures, type Picture } from './pictures.js';
import { type Environment, notebookHtml, notebookMarkdown, sha256sums } from './render.js';

export interface NotebookFlags {
  out?: string;
  campus: boolean;
  pcap?: boolean;
  /** The handout's parts to measure, 1 to 6. */
  parts: ReadonlySet<number>;
}

/** True inside `socklab campus`: its hosts file is bind-mounted over /etc/hosts. */
function insideCampus(): boolean {
  try {
    return readFileSync('/etc/hosts', 'utf8').startsWith('# socklab campus');
  } catch {
    return false;
  }
}

/** The interface the PMU's segments arrive on: the student host's eth0 in the campus, lo elsewhere. */
const measuredInterface = (): string => (insideCampus() ? 'eth0' : 'lo');

function measuredLink(): Environment['link'] {
  const name = measuredInterface();
  const result = spawnSync('ip', ['-d', '-j', 'link', 'show', name], { encoding: 'utf8' });
  try {
    const [link] = JSON.parse(result.stdout) as Array<{ mtu?: number; gso_max_size?: number; gro_max_size?: number }>;
    return { name, mtu: link?.mtu ?? null, gsoMaxSize: link?.gso_max_size ?? null, groMaxSize: link?.gro_max_size ?? null };
  } catch {
    return { name, mtu: null, gsoMaxSize: null, groMaxSize: null };
  }
}

function netem(): string | null {
  const qdisc = spawnSync('tc', ['qdisc', 'show', 'dev', measuredInterface()], { encoding: 'utf8' }).stdout;
  return /netem/.test(qdisc) ? qdisc.trim() : null;
}

const offset = () => new Date().toString().match(/GMT([+-]\d\d)(\d\d)/)?.slice(1, 3).join(':') ?? '+00:00';

/** `socklab notebook`: every measurable question measured, in the campus where the machine allows, else on loopback. */
export async function runNotebook(loaded: LoadedConfig, flags: NotebookFlags, argv: string[]): Promise<number> {
  const out = path.resolve(flags.out ?? `notebook-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  if (!insideCampus() && flags.campus && machineChecks({ campusOnly: true }).every((check) => check.ok)) {
    // Run again inside the campus, with its TLS PMU: the course's MTU and names.
    const rest = argv.filter((arg, index) => arg !== '--out' && argv[index - 1] !== '--out' && !arg.startsWith('--out='));
    // The emulators inside take the same settings as the notebook (pmu.*, lab.*…).
    const settings = splitSettingFlags(argv).settings.flatMap(({ key, value }) => [`--${key}`, value]);
    const child = spawn(process.execPath, [process.argv[1]!, ...settings, 'campus', '--tls-pmu', '--', process.execPath, process.argv[1]!, ...rest, '--out', out], {
      stdio: 'inherit',
    });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }
  mkdirSync(out, { recursive: true });
  const startedAt = new Date().toISOString();
  const { targets, stop } = insideCampus() ? campusTargets(loaded.config, out) : await loopbackTargets(loaded.config, out);
  let capture: Capture | null = null;
  try {
    const evidence: string[] = [];
    if (flags.pcap) {
      const wsPort = Number(new URL(targets.pmuWsUrl).port || 80);
      const started = await Capture.start(path.join(out, 'notebook.pcap'), [targets.pmuTcp.port, wsPort, targets.tls.port], insideCampus() ? 'any' : 'lo');
      capture = started.capture;
      if (capture) {
        evidence.push('notebook.pcap', 'tls-keys.log');
        writeFileSync(path.join(out, 'tls-keys.log'), '', { mode: 0o600 });
        targets.onKeylog = (line) => appendFileSync(path.join(out, 'tls-keys.log'), line);
      } else process.stderr.write(`socklab: no capture: ${started.problem}\n`);
    }
    const progress = process.stderr.isTTY;
    const experiments = await runExperiments(targets, flags.parts, (result: ExperimentResult) => {
      if (progress) process.stderr.write(`${result.ok ? 'measured' : 'FAILED  '} ${result.title}${result.ok ? '' : `: ${result.error}`} (${result.durationMs} ms)\n`);
    });
    let pictures: Picture[] = [];
    if (capture) {
      await capture.stop();
      for (const experiment of experiments) experiment.measurements.push(...capture.compare(experiment));
      try {
        pictures = drawPictures({ file: capture.file, keylog: path.join(out, 'tls-keys.log'), flows: Object.fromEntries(experiments.map((experiment) => [experiment.id, experiment.flow])) });
        const shortZero = experiments.find((experiment) => experiment.id === 'pdc-0');
        if (shortZero?.flow) {
          const { acknowledged, of } = acknowledgedBeforeNext(capture.file, shortZero.flow);
          shortZero.measurements.push({ question: 'Q12', name: 'd = 0: PMU packets that left after the client had acknowledged the one before (from the capture)', value: `${acknowledged} of ${of}`, unit: '' });
        }
      } catch (error) {
        process.stderr.write(`socklab: no pictures of the capture: ${(error as Error).message}\n`);
      }
      capture = null;
    }
    const environment: Environment = {
      os: `${os.type()} ${os.platform()}`,
      kernel: os.release(),
      node: process.version,
      socklab: socklabVersion(),
      profile: loaded.profile,
      network: insideCampus() ? 'campus' : 'loopback',
      link: measuredLink(),
      rttMs: await connectRtt(targets.pmuTcp.host, targets.pmuTcp.port).catch(() => null),
      netem: netem(),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      utcOffset: offset(),
      startedAt,
      endedAt: new Date().toISOString(),
    };
    const notebook = { environment, experiments, prober: flags.parts.has(3) ? proberHistory(loaded.config) : null, pictures };
    // The pictures' points go to the JSON; their SVG only to the page.
    writeFileSync(path.join(out, 'notebook.json'), `${JSON.stringify({ ...notebook, pictures: pictures.map(({ svg: _svg, ...rest }) => rest) }, null, 2)}\n`);
    writeFileSync(path.join(out, 'notebook.md'), notebookMarkdown(notebook));
    writeFileSync(path.join(out, 'notebook.html'), notebookHtml(notebook));
    const files = ['notebook.json', 'notebook.md', 'notebook.html', ...(existsSync(path.join(out, 'flood.txt')) ? ['flood.txt'] : []), ...evidence];
    writeFileSync(path.join(out, 'SHA256SUMS'), sha256sums(out, files));
    const failed = experiments.filter((experiment) => !experiment.ok);
    for (const experiment of failed) process.stderr.write(`socklab: ${experiment.title} failed: ${experiment.error}\n`);
    process.stdout.write(`wrote ${out}: notebook.md, notebook.html, notebook.json, SHA256SUMS (${experiments.length - failed.length} of ${experiments.length} experiments measured, ${environment.network})\n`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await capture?.stop();
    await stop();
  }
}

/** The reset-prober's hour-of-day report (Q17), when its store has probes. */
function proberHistory(config: Config): ProberReport | null {
  const file = resolveProjectPath(config.prober.db);
  if (!existsSync(file)) return null;
  try {
    const report = buildReport(readProberSummary(file));
    return report.probes > 0 ? report : null;
  } catch {
    return null; // an unreadable store is the prober's business: the notebook goes on without it
  }
}

/** Inside the campus, the emulators run on the course ports under the course names (the epfl profile's). */
function campusTargets(config: Config, out: string): { targets: Targets; stop: () => Promise<void> } {
  const { client, prober } = config;
  return {
    targets: {
      pmuTcp: client.pmuTcp,
      pmuWsUrl: client.pmuWs.url,
      reset: { hosts: prober.hosts, port: prober.port, n: prober.n, timeoutMs: prober.timeoutMs, maxRounds: prober.maxRounds },
      tv: { group: client.tv.group, port: client.tv.port, iface: client.tv.iface },
      tls: { host: client.tls.host, port: client.tls.port, ca: readFileSync(resolveProjectPath(client.tls.ca)), servername: client.tls.servername },
      python: pythonExecutable(config.check.python),
      out,
    },
    stop: async () => undefined,
  };
}

/** On plain loopback: the emulators and a TLS PMU (with a scratch CA) in this process, on ports the system chose. */
async function loopbackTargets(config: Config, out: string): Promise<{ targets: Targets; stop: () => Promise<void> }> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'socklab-notebook-'));
  const tls = { keyFile: path.join(scratch, 'server_key.pem'), certFile: path.join(scratch, 'server.cert.pem'), caDir: path.join(scratch, 'ca') };
  ensureLocalServerCertificate(tls);
  const { lab } = config;
  const local: Config = {
    ...config,
    lab: { ...lab, pmuTcp: { ...lab.pmuTcp, port: 0 }, pmuUdp: { ...lab.pmuUdp, port: 0 }, tv: { ...lab.tv, port: 0 }, pmuWs: { ...lab.pmuWs, port: 0 } },
    tlsPmu: { ...config.tlsPmu, port: 0, key: tls.keyFile, cert: tls.certFile },
  };
  const logger = createLogger({ service: 'notebook', level: 'error', format: 'text', dir: '', rotateBytes: 1e7, keepFiles: 1, stream: process.stderr });
  const services: Service[] = [];
  const port = (endpoints: string[], part: string) => Number(/:(\d+)/.exec(endpoints.find((line) => line.startsWith(part))!)![1]);
  try {
    const labService = (await import('../../services/lab/index.js')).createService(local, logger, { onFatal: () => undefined });
    services.push(labService);
    const endpoints = await labService.start();
    const tlsService = (await import('../../services/tls-pmu/index.js')).createService(local, logger, { onFatal: () => undefined });
    services.push(tlsService);
    const tlsEndpoints = await tlsService.start();
    return {
      targets: {
        pmuTcp: { host: lab.pmuTcp.host, port: port(endpoints, 'pmu-tcp') },
        pmuWsUrl: `ws://${lab.pmuWs.host}:${port(endpoints, 'pmu-ws')}`,
        reset: { hosts: [lab.pmuUdp.host4, lab.pmuUdp.host6], port: port(endpoints, 'pmu-udp'), n: config.prober.n, timeoutMs: config.prober.timeoutMs, maxRounds: config.prober.maxRounds },
        tv: { group: lab.tv.group, port: port(endpoints, 'tv'), iface: lab.tv.iface },
        tls: { host: '127.0.0.1', port: port(tlsEndpoints, 'tls-pmu'), ca: readFileSync(path.join(tls.caDir, CA_CERT)), servername: 'localhost' },
        python: pythonExecutable(config.check.python),
        out,
      },
      stop: async () => {
        await Promise.all(services.map((service) => service.close()));
        rmSync(scratch, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(services.map((service) => service.close().catch(() => undefined)));
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}
