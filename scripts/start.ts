import { loadConfig } from '../config/index.js';
import { formatHostPort } from '../lib/address.js';
import { describeError, isSocklabError, socklabError } from '../lib/errors.js';
import { resolveProjectPath } from '../lib/paths.js';
import { SERVICES } from '../services/registry.js';
import { ensureLocalServerCertificate } from '../lib/certs/local.js';
import { ECOSYSTEM, pm2 } from './pm2.js';

/**
 * `npm start -- --expose tls-pmu`: the one option, to host the TLS PMU for a grader on another
 * machine (tlsPmu.expose, passed to the pm2 app by ecosystem.config.js).
 */
function exposeFlag(argv: readonly string[]): boolean {
  if (argv.length === 0) return false;
  if (argv.length === 2 && argv[0] === '--expose' && argv[1] === 'tls-pmu') return true;
  throw socklabError('SOCKLAB_ERR_USAGE', `unknown option ${argv.join(' ')}: the one option is --expose tls-pmu`);
}

/** `npm start`: the services under pm2 on the local profile, then where they listen and how to watch them. */
function main(): number {
  process.env.SOCKLAB_PROFILE ??= 'local';
  if (exposeFlag(process.argv.slice(2))) process.env.SOCKLAB_TLS_PMU_EXPOSE = 'true';
  const { config, profile } = loadConfig();
  if (profile === 'local') {
    // The TLS PMU must start on a fresh machine: a local CA signs a server certificate once.
    const made = ensureLocalServerCertificate({
      keyFile: resolveProjectPath(config.tlsPmu.key),
      certFile: resolveProjectPath(config.tlsPmu.cert),
      caDir: resolveProjectPath(config.tlsPmu.localCa),
    });
    for (const file of made) process.stdout.write(`made ${file}\n`);
  }
  const status = pm2(['start', ECOSYSTEM]);
  if (status !== 0) return status;
  const running = Object.entries(SERVICES).filter(([, service]) => !service.profiles || service.profiles.includes(profile));
  const where: Record<string, string[]> = {
    lab: [
      `PMU over TCP        tcp://${formatHostPort(config.lab.pmuTcp.host, config.lab.pmuTcp.port)}`,
      `PMU over UDP        udp://${formatHostPort(config.lab.pmuUdp.host4, config.lab.pmuUdp.port)} or udp://${formatHostPort(config.lab.pmuUdp.host6, config.lab.pmuUdp.port)} (family by time of day)`,
      `TV channel          udp://${formatHostPort(config.lab.tv.group, config.lab.tv.port)} via ${config.lab.tv.iface || 'the default interface'}`,
      `PMU over WebSocket  ws://${formatHostPort(config.lab.pmuWs.host, config.lab.pmuWs.port)}`,
    ],
    'mcast-recorder': [
      `records ${config.recorder.groups.join(', ')} port ${config.recorder.port} via ${config.recorder.iface || 'the default interface'} into ${config.recorder.db}`,
      'read it: npx socklab recorder stats | query | export',
    ],
    'tls-pmu': config.tlsPmu.expose
      ? [
          `TLS PMU             tls://[::]:${config.tlsPmu.port}, every address of this machine (${config.tlsPmu.cert}): exposed to other machines`,
          'where and for which names: npx pm2 logs tls-pmu --lines 20; check it: npx socklab tls CMD_short:0 --from-outside --ca CA.pem',
        ]
      : [
          `TLS PMU             tls://${formatHostPort(config.tlsPmu.host, config.tlsPmu.port)} (${config.tlsPmu.cert})`,
          'try it: npx socklab tls CMD_short:0',
        ],
    dashboard: [`open http://${formatHostPort(config.dashboard.host, config.dashboard.port)}/${config.dashboard.token ? '?token=…' : ''}`],
    'reset-prober': [
      `probes ${config.prober.hosts.join(', ')} port ${config.prober.port} every ${config.prober.intervalSeconds} s into ${config.prober.db}`,
      'report: npx socklab prober report [--html report.html]',
    ],
  };
  const lines = [
    '',
    `socklab is running under pm2 (profile ${profile}):`,
    ...running.flatMap(([name]) => [`  ${name}`, ...(where[name] ?? []).map((line) => `    ${line}`)]),
    '',
    'Logs:    npx pm2 logs            (one app: npx pm2 logs lab)',
    'Status:  npx pm2 ls',
    'Stop:    npm stop',
    '',
  ];
  process.stdout.write(lines.join('\n'));
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`npm start: ${isSocklabError(error) ? error.message : describeError(error)}\n`);
  process.exitCode = isSocklabError(error) ? error.exitCode : 1;
}
