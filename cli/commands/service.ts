import { type Command, Option } from 'commander';
import { LAB_PARTS } from '../../services/lab/parts.js';
import { SERVICES } from '../../services/registry.js';
import { socklabError } from '../../lib/errors.js';
import type { CliContext } from '../context.js';

export function registerServiceCommands(program: Command, context: CliContext): void {
  const names = Object.keys(SERVICES);
  program
    .command('service')
    .argument('<name>', `the service: ${names.join(', ')}`)
    .description('run one service in the foreground, exactly as pm2 runs it (Ctrl-C stops it gracefully)')
    .addHelpText(
      'after',
      `\nServices:\n${names.map((name) => `  ${name.padEnd(16)}${SERVICES[name]!.description}`).join('\n')}`,
    )
    .option('--expose', 'tls-pmu only: host it for a grader on another machine (tlsPmu.expose): every address of both families, and where and for which names it can be reached')
    .action(async (name: string, options: { expose?: boolean }, command: Command) => {
      if (options.expose && name !== 'tls-pmu') throw socklabError('SOCKLAB_ERR_USAGE', `--expose is for tls-pmu, not ${name}`);
      const loaded = await context.config(command, options.expose ? { 'tlsPmu.expose': 'true' } : {});
      const { runService } = await import('../../services/runner.js');
      await runService(name, loaded);
    });

  program
    .command('lab')
    .description('run the emulated course servers in the foreground: PMU over TCP (5003), UDP (5004), WebSocket (5006), TV channel (224.1.1.1:5005)')
    .addOption(new Option('--only <name>', 'run only this one').choices([...LAB_PARTS]))
    .action(async (options: { only?: string }, command: Command) => {
      const loaded = await context.config(command);
      const { runService } = await import('../../services/runner.js');
      await runService('lab', loaded, { only: options.only });
    });
}
