import type { Command } from 'commander';
import { terminalSafe } from '../../lib/terminal.js';
import { plural } from '../../lib/words.js';
import { type CliContext, printJson } from '../context.js';
import { formatOption, settingOverrides } from '../options.js';

interface WsFlags {
  url?: string;
  timeout?: number;
}

export function registerWsCommand(program: Command, context: CliContext): void {
  program
    .command('ws')
    .argument('<command>', 'CMD_short:d (n messages, n random: 5 to 15 on the emulator as on the course server) or CMD_floodme, sent as one text message')
    .description('part 5: send a command to the PMU over WebSocket and print every message on its own line')
    .addOption(formatOption('--url <url>', 'WebSocket URL (default: the profile\'s client.pmuWs.url)', 'ws-url'))
    .addOption(formatOption('--timeout <seconds>', 'give up when the server sends nothing for this long', 'seconds'))
    .addHelpText(
      'after',
      `
Prints one line per message event (the handout's on_message, Q24, Q25) and a summary on stderr:
events, bytes, segments with payload from the server (TCP_INFO, including the HTTP 101 answer
and the close frame, Q23), the close code and time. --json prints {command, transport, messages,
events, bytes, segments, durationMs, close}.

Examples:
  socklab ws CMD_short:0
  socklab ws CMD_floodme --json`,
    )
    .action(async (command: string, flags: WsFlags, cmd: Command) => {
      const loaded = await context.config(cmd, settingOverrides({ 'client.pmuWs.url': flags.url, 'client.timeoutSeconds': flags.timeout }));
      const { client } = loaded.config;
      const json = context.globals(cmd).json === true;
      const { runWsPdc } = await import('../../lib/clients/ws-pdc.js');
      const result = await runWsPdc({
        url: client.pmuWs.url,
        command,
        timeoutMs: client.timeoutSeconds * 1000,
        // A message a line (on_message); the flood as it came, so that `> flood.txt` holds the server's text.
        onMessage: json ? undefined : (text) => process.stdout.write(command === 'CMD_floodme' ? (process.stdout.isTTY ? terminalSafe(text) : text) : `${terminalSafe(text)}\n`),
      });
      if (json) return printJson(result);
      const segments = result.segments === null ? `segments unknown (${result.segmentsNote})` : `${plural(result.segments, 'segment')} with payload from the server`;
      process.stderr.write(
        `${plural(result.events, 'message event')}, ${plural(result.bytes, 'byte')}, ${segments}, closed with ${result.close.code}, ${result.durationMs} ms\n`,
      );
    });
}
