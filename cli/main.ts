#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { describeError, isSocklabError } from '../lib/errors.js';
import { registerBasicsCommands } from './commands/basics.js';
import { registerCampusCommands } from './commands/campus.js';
import { registerCertCommands } from './commands/cert.js';
import { registerCheckCommand } from './commands/check.js';
import { registerConfigCommands } from './commands/config.js';
import { registerMcastCommands } from './commands/mcast.js';
import { registerNotebookCommand } from './commands/notebook.js';
import { registerPdcCommands } from './commands/pdc.js';
import { registerProberCommands } from './commands/prober.js';
import { registerRecorderCommands } from './commands/recorder.js';
import { registerResetCommand } from './commands/reset.js';
import { registerServiceCommands } from './commands/service.js';
import { registerWsCommand } from './commands/ws.js';
import { CliContext, splitSettingFlags } from './context.js';

const FOOTER = `
Settings: every configuration key is also a flag named after it (--prober.port 5004) and an
environment variable (SOCKLAB_PROBER_PORT=5004); \`socklab config show\` lists them all.
Precedence: schema defaults < profile < --config file < environment < flags.

Exit codes: 0 success, 1 the network exchange failed, 2 usage or configuration error.`;

function buildProgram(context: CliContext): Command {
  const program = new Command('socklab')
    .description('socklab: the socket-programming lab in a box (TCP, UDP, dual-stack, multicast, WebSocket, TLS)')
    .option('--profile <name>', 'configuration profile: local (emulated lab on loopback, default) or epfl (course hosts)')
    .option('--config <file>', 'JSON file merged over the profile (also SOCKLAB_CONFIG)')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .exitOverride()
    .configureOutput({
      outputError: (message, write) => write(`socklab: ${message.replace(/^error: /, '').trim()}\n`),
    })
    .showSuggestionAfterError()
    .addHelpText('after', FOOTER);
  registerBasicsCommands(program);
  registerPdcCommands(program, context);
  registerResetCommand(program, context);
  registerProberCommands(program, context);
  registerMcastCommands(program, context);
  registerRecorderCommands(program, context);
  registerCertCommands(program, context);
  registerWsCommand(program, context);
  registerServiceCommands(program, context);
  registerCampusCommands(program, context);
  registerNotebookCommand(program, context);
  registerCheckCommand(program, context);
  registerConfigCommands(program, context);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const { commandArgs, settings } = splitSettingFlags(argv);
  const program = buildProgram(new CliContext(settings));
  await program.parseAsync(commandArgs, { from: 'user' });
}

// `socklab pdc CMD_floodme | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof CommanderError) {
    // commander has printed the help or the one-line problem already
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (isSocklabError(error)) {
    process.stderr.write(`socklab: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`socklab: unexpected error: ${describeError(error)}\n`);
    process.exitCode = 1;
  }
});
