import { type Command, Option } from 'commander';
import { LAB_PARTS } from '../../services/lab/parts.js';
import { SERVICES } from '../../services/registry.js';
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
    .action(async (name: string, _options, command: Command) => {
      const loaded = await context.config(command);
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
