import { type Command, Option } from 'commander';
import { socklabError } from '../../lib/errors.js';
import type { CampusFlags } from '../campus.js';
import { type CliContext, printJson } from '../context.js';


const DURATION = /^\d+(\.\d+)?(us|ms|s)$/;
const PERCENT = /^\d+(\.\d+)?%$/;

export function registerCampusCommands(program: Command, context: CliContext): void {
  program
    .command('campus')
    .description('run a program, unchanged, on a student host of an emulated course network: the course hosts (campus.hosts) with their names, addresses and emulators, joined to your host by a 1500-byte link')
    .argument('[command...]', 'the program and its arguments, after -- (default: your $SHELL)')
    .option('--tls-pmu', 'also run the TLS PMU (tlsPmu.key, tlsPmu.cert) on your host, on tlsPmu.port')
    .option('--alias <NAME=HOST>', 'NAME (a host name, or an address a program hard-codes) is also course host HOST; repeat it', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--verbose', 'show the emulators\' log lines on stderr: every session and request, with your host\'s address')
    .option('--delay <time>', 'added one-way delay on your link through tc netem, e.g. 10ms (where the kernel has sch_netem)')
    .option('--loss <percent>', 'packet loss on your link through tc netem, e.g. 1% (the RESET server\'s own loss is lab.pmuUdp.dropProbability)')
    .addOption(new Option('--inside').hideHelp())
    .addHelpText(
      'after',
      `
Inside: user+net+mount+pid namespaces (no user namespace as root). The course hosts of campus.hosts
(tcpip.epfl.ch: PMU over TCP 5003 and WebSocket 5006, the TV channel's source, RESET 5004;
lab3.iw.epfl.ch and lab3.iew.epfl.ch: RESET 5004), each with an IPv4 and an IPv6 address of the
documentation ranges, on a course network; your program on a student host of its own (eth0 with
192.0.2.100 and 2001:db8::100, default routes to the course network, MTU campus.mtu with matching
GSO/GRO so tcpdump -i eth0 shows one packet per segment), whose lo is yours for your own servers
on any port. Multicast crosses the link: a receiver hears 224.1.1.1 only if it joins. A hosts file
over /etc/hosts with the course names; SOCKLAB_PROFILE=epfl, and JAVA_TOOL_OPTIONS=-Djdk.net.hosts.file=…
for Java. Nothing inside can reach another machine, and nothing is left running when the campus
ends, even by kill -9.
The program's exit code is socklab's. Ctrl-C, SIGTERM or SIGHUP stop everything inside.

Examples:
  socklab campus                                   # a shell on the campus, with a banner
  socklab campus -- python3 Part2_PDC.py           # the handout's client, unchanged
  socklab campus --lab.pmuUdp.family IPv6 -- python3 Part3_reset.py
  socklab campus --tls-pmu -- socklab tls CMD_short:0
  socklab campus --alias 198.51.100.7=lab3.iw.epfl.ch -- python3 Part3_hardcoded.py
  socklab campus -- sh -c 'tcpdump -i eth0 -w flood.pcap & sleep 1; socklab pdc CMD_floodme > /dev/null; kill %1'`,
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
      const checks = machineChecks({ python: (await context.config(cmd)).config.check.python });
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
