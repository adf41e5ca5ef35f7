import type { Command } from 'commander';
import { type CliContext, printJson } from '../context.js';

export function registerConfigCommands(program: Command, context: CliContext): void {
  const config = program
    .command('config')
    .description('show or check the effective configuration (profile, config file, SOCKLAB_* variables, setting flags)');

  config
    .command('show')
    .description('print the effective configuration as JSON, sensitive values masked')
    .action(async (_options, command: Command) => {
      const loaded = await context.config(command);
      printJson(loaded.redacted());
    });

  config
    .command('check')
    .description('validate the configuration; exit 0 when valid, 2 with the problem named otherwise')
    .action(async (_options, command: Command) => {
      const loaded = await context.config(command);
      if (context.globals(command).json) {
        printJson({ ok: true, profile: loaded.profile, configFile: loaded.configFile });
      } else {
        process.stdout.write(`configuration is valid (profile ${loaded.profile}, config file ${loaded.configFile ?? 'none'})\n`);
      }
    });
}
