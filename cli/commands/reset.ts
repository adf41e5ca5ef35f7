import type { Command } from 'commander';
import type { ResetOutcome } from '../../lib/clients/reset.js';
import { socklabError } from '../../lib/errors.js';
import { progressBar } from '../../lib/progress.js';
import type { ResetSummary } from '../../lib/reset-stats.js';
import { type CliContext, printJson } from '../context.js';
import { formatOption, settingOverrides } from '../options.js';
import { localIso, plural } from '../../lib/words.js';

interface ResetFlags {
  host?: string[];
  port?: number;
  n?: number;
  timeout?: number;
  maxRounds?: number;
  runs: number;
  concurrency: number;
}

function describeRun(outcome: ResetOutcome): string {
  const rounds = `${plural(outcome.rounds, 'round')} (${plural(outcome.packets, 'packet')})`;
  return outcome.acknowledged
    ? `OFFSET=${outcome.offset} via ${outcome.family} (${outcome.address}) at ${outcome.at} (local ${localIso(outcome.at)}) after ${rounds}`
    : `no OFFSET after ${rounds}, gave up at ${outcome.at} (local ${localIso(outcome.at)})`;
}

function describeSummary(summary: ResetSummary): string {
  const widest = Math.max(...Object.values(summary.histogram), 1);
  const bars = Object.entries(summary.histogram)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([rounds, runs]) => `  ${rounds.padStart(6)}  ${String(runs).padStart(4)}  ${'#'.repeat(Math.max(1, Math.round((runs / widest) * 40)))}`);
  const unanswered = summary.runs - summary.acknowledged;
  return [
    '',
    `${plural(summary.runs, 'run')}${unanswered ? ` (${unanswered} without an answer)` : ''}: mean ${summary.meanRounds} rounds, ${summary.meanPackets} packets per run`,
    '  rounds  runs',
    ...bars,
    `loss probability p̂ = 1 − answered rounds / rounds = ${summary.lossProbability} (95% CI ${summary.ci95[0]}–${summary.ci95[1]}, geometric model)`,
    '',
  ].join('\n');
}

export function registerResetCommand(program: Command, context: CliContext): void {
  program
    .command('reset')
    .description('part 3: send RESET:n over IPv4 and IPv6 and retransmit each timeout until OFFSET=X arrives')
    .addOption(formatOption('--host <host>', 'target address or name (repeat it; a name gives every A and AAAA address); default: prober.hosts', 'host', true))
    .addOption(formatOption('--port <port>', 'server port (default: prober.port, 5004)', 'tcp-port'))
    .addOption(formatOption('--n <n>', 'n in RESET:n (default: prober.n, 20)', 'count'))
    .addOption(formatOption('--timeout <seconds>', 'wait for OFFSET=X after each round (default: prober.timeoutMs, 1 s)', 'seconds'))
    .addOption(formatOption('--max-rounds <rounds>', 'give up after this many rounds (default: prober.maxRounds)', 'positive-count'))
    .addOption(formatOption('--runs <n>', 'independent runs, for the loss estimate of Q18', 'positive-count').default(1))
    .addOption(formatOption('--concurrency <n>', 'runs at the same time', 'positive-count').default(1))
    .addHelpText(
      'after',
      `
Prints, per run: OFFSET=7 via IPv6 (::1) at <time> after 3 rounds (6 packets). A round sends
RESET:n once to every target; only a valid OFFSET=X from a target counts (other datagrams are
ignored and counted). With --runs, a summary follows: mean rounds and packets, a histogram, and
the loss probability p̂ = 1 − 1/mean rounds (geometric model) with its 95% confidence interval.
Exit 1 when a run got no answer within --max-rounds.

Examples:
  socklab reset                                # the emulator on 127.0.0.1 and ::1
  socklab reset --runs 60 --concurrency 10     # Q18
  socklab --profile epfl reset                 # the course server, both families`,
    )
    .action(async (flags: ResetFlags, cmd: Command) => {
      const loaded = await context.config(
        cmd,
        settingOverrides({
          'prober.hosts': flags.host?.join(','),
          'prober.port': flags.port,
          'prober.n': flags.n,
          'prober.timeoutMs': flags.timeout === undefined ? undefined : Math.round(flags.timeout * 1000),
          'prober.maxRounds': flags.maxRounds,
        }),
      );
      const { prober } = loaded.config;
      const json = context.globals(cmd).json === true;
      const { resolveTargets, resetSeries } = await import('../../lib/clients/reset.js');
      const { summarize } = await import('../../lib/reset-stats.js');
      const { targets, problems } = await resolveTargets(prober.hosts);
      for (const problem of problems) process.stderr.write(`socklab: ${problem}\n`);
      for (const family of ['IPv4', 'IPv6'] as const) {
        if (!targets.some((target) => target.family === family)) process.stderr.write(`socklab: no ${family} target; probing the other family only\n`);
      }
      if (targets.length === 0) throw socklabError('SOCKLAB_ERR_NETWORK', `no address to send to (${prober.hosts.join(', ')})`);

      const showProgress = flags.runs > 1 && process.stderr.isTTY === true;
      let done = 0;
      const outcomes = await resetSeries({
        targets,
        port: prober.port,
        n: prober.n,
        timeoutMs: prober.timeoutMs,
        maxRounds: prober.maxRounds,
        runs: flags.runs,
        concurrency: flags.concurrency,
        onProblem: (message) => process.stderr.write(`${showProgress ? '\n' : ''}socklab: ${message}\n`),
        onRun: (outcome) => {
          done += 1;
          if (!json) process.stdout.write(`${showProgress ? '\r\x1b[K' : ''}${describeRun(outcome)}\n`);
          if (showProgress) process.stderr.write(`\r${progressBar(done, flags.runs)}`);
        },
      });
      if (showProgress) process.stderr.write('\n');
      const summary = summarize(outcomes);
      const failed = outcomes.filter((outcome) => !outcome.acknowledged).length;
      if (json) {
        printJson({
          runs: outcomes.map(({ offset, family, address, at, rounds, packets }) => ({ offset, family, address, at, atLocal: localIso(at), rounds, packets })),
          summary,
        });
      } else if (flags.runs > 1) {
        process.stdout.write(describeSummary(summary));
      }
      if (failed > 0) {
        throw socklabError(
          'SOCKLAB_ERR_TIMEOUT',
          `${failed === 1 && flags.runs === 1 ? 'no' : `${failed} of ${flags.runs} runs got no`} acknowledgement within ${plural(prober.maxRounds, 'round')} from ${targets.map((target) => target.address).join(', ')} port ${prober.port}`,
        );
      }
    });
}
