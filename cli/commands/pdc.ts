import type { Command } from 'commander';
import { type CliContext, printJson } from '../context.js';
import { formatOption, settingOverrides } from '../options.js';

interface PdcFlags {
  host?: string;
  port?: number;
  timeout?: number;
  recvSize?: number;
}

export function registerPdcCommand(program: Command, context: CliContext): void {
  program
    .command('pdc')
    .argument('<command>', 'CMD_short:d (d seconds between two sends) or CMD_floodme')
    .description('part 2: send a command to the PMU over TCP (IPv4) and print every message on its own line')
    .addOption(formatOption('--host <host>', 'PMU host (default: the profile\'s client.pmuTcp.host)', 'host'))
    .addOption(formatOption('--port <port>', 'PMU port (default: client.pmuTcp.port, 5003)', 'tcp-port'))
    .addOption(formatOption('--timeout <seconds>', 'give up when the server sends nothing for this long', 'seconds'))
    .addOption(formatOption('--recv-size <bytes>', 'read at most this many bytes per read, like recv(N) (Q16)', 'positive-count'))
    .addHelpText(
      'after',
      `
Prints the messages on stdout (the flood as it arrives) and one summary line on stderr: messages
(Q10), reads = data events or recv() calls (Q16), segments with payload from the server as the
kernel counted them (TCP_INFO tcpi_data_segs_in, Q11 and Q14), bytes and time. --json prints
{command, transport, messages, reads, bytes, segments, durationMs}.

Examples:
  socklab pdc CMD_short:0
  socklab pdc CMD_short:1 --json
  socklab pdc CMD_floodme --recv-size 1024 > flood.txt`,
    )
    .action(async (command: string, flags: PdcFlags, cmd: Command) => {
      const loaded = await context.config(
        cmd,
        settingOverrides({ 'client.pmuTcp.host': flags.host, 'client.pmuTcp.port': flags.port, 'client.timeoutSeconds': flags.timeout }),
      );
      const { client } = loaded.config;
      const json = context.globals(cmd).json === true;
      const { runPdc } = await import('../../lib/clients/pdc.js');
      const result = await runPdc({
        host: client.pmuTcp.host,
        port: client.pmuTcp.port,
        command,
        timeoutMs: client.timeoutSeconds * 1000,
        recvSize: flags.recvSize,
        floodSink: json ? undefined : process.stdout,
        onItem: json
          ? undefined
          : (item) => process.stdout.write(item.kind === 'message' ? `${item.text}\n` : `[unexpected data] ${JSON.stringify(item.text)}\n`),
      });
      if (json) return printJson(result);
      const segments = result.segments === null ? `segments unknown (${result.segmentsNote})` : `${result.segments} segments with payload from the server`;
      const messages = command === 'CMD_floodme' ? '1 flood text' : `${result.messages.length} messages`;
      process.stderr.write(`${messages}, ${result.reads} reads, ${segments}, ${result.bytes} bytes, ${result.durationMs} ms\n`);
    });
}
