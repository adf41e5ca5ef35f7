import { type Command, Option } from 'commander';
import { socklabError } from '../../lib/errors.js';
import { type CliContext, printJson } from '../context.js';

export interface CampusFlags {
  tlsPmu?: boolean;
  delay?: string;
  loss?: string;
  inside?: boolean;
}

const DURATION = /^\d+(\.\d+)?(us|ms|s)$/;
const PERCENT = /^\d+(\.\d+)?%$/;

export function registerCampusCommands(program: Command, context: CliContext): void {
  program
    .command('campus')
    .description('run a program, unchanged, against the emulated course network: a private network with only lo (MTU 1500), the course host names, the emulators')
    .argument('[command...]', 'the program and its arguments, after -- (default: your $SHELL)')
    .option('--tls-pmu', 'also run the TLS PMU (tlsPmu.key, tlsPmu.cert) on tlsPmu.port')
    .option('--delay <time>', 'added one-way delay on lo through tc netem, e.g. 10ms (where the kernel has sch_netem)')
    .option('--loss <percent>', 'packet loss on lo through tc netem, e.g. 1% (the RESET server\'s own loss is lab.pmuUdp.dropProbability)')
    .addOption(new Option('--inside').hideHelp())
    .addHelpText(
      'after',
      `
Inside: user+net+mount+pid namespaces (no user namespace as root) with only lo, 127.0.0.1 and ::1;
MTU campus.mtu (1500) with matching GSO/GRO, so tcpdump -i lo shows one packet per segment; a
224.0.0.0/4 route on lo with source 127.0.0.1, so a textbook multicast program (INADDR_ANY, no
interface set) works; a hosts file over /etc/hosts with the epfl profile's host names on the
emulators (the RESET server's on 127.0.0.1 and ::1); SOCKLAB_PROFILE=epfl, and
JAVA_TOOL_OPTIONS=-Djdk.net.hosts.file=… for Java. Nothing inside can reach another machine.
The program's exit code is socklab's. Ctrl-C, SIGTERM or SIGHUP stop everything inside.

Examples:
  socklab campus                                   # a shell on the campus, with a banner
  socklab campus -- python3 Part2_PDC.py           # the handout's client, unchanged
  socklab campus --lab.pmuUdp.family IPv6 -- python3 Part3_reset.py
  socklab campus --tls-pmu -- socklab tls CMD_short:0
  socklab campus -- sh -c 'tcpdump -i lo -w flood.pcap & sleep 1; socklab pdc CMD_floodme > /dev/null; kill %1'`,
    )
    .action(async (commandLine: string[], flags: CampusFlags, cmd: Command) => {
      if (flags.delay !== undefined && !DURATION.test(flags.delay)) throw socklabError('SOCKLAB_ERR_USAGE', `--delay must be a time like 10ms or 0.5s, not "${flags.delay}"`);
      if (flags.loss !== undefined && !PERCENT.test(flags.loss)) throw socklabError('SOCKLAB_ERR_USAGE', `--loss must be a percentage like 1%, not "${flags.loss}"`);
      const campus = await import('../campus.js');
      // The configuration is loaded (and a bad setting refused, exit 2) inside, where it is used.
      process.exitCode = flags.inside ? await campus.runInside(await context.config(cmd), flags, commandLine) : await campus.enterCampus(process.argv.slice(2));
    });

  program
    .command('doctor')
    .description('what this machine can do for socklab: namespaces for `socklab campus`, and the optional peers tests and notebook use')
    .action(async (_flags: unknown, cmd: Command) => {
      const { machineChecks } = await import('../../lib/campus/doctor.js');
      const checks = machineChecks();
      const ready = checks.filter((check) => check.neededByCampus).every((check) => check.ok);
      process.exitCode = ready ? 0 : 1;
      if (context.globals(cmd).json) return printJson({ campusCanRun: ready, checks });
      const width = Math.max(...checks.map((check) => check.name.length));
      for (const check of checks) {
        const mark = check.ok ? 'ok  ' : check.neededByCampus ? 'FAIL' : 'no  ';
        process.stdout.write(`${mark}  ${check.name.padEnd(width)}  ${check.detail}${check.fix ? `\n      ${' '.repeat(width)}  fix: ${check.fix}` : ''}\n`);
      }
      process.stdout.write(ready ? '\nsocklab campus can run here.\n' : '\nsocklab campus cannot run here: see the fixes above.\n');
    });
}
