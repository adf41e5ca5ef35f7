import { type Command, InvalidArgumentError } from 'commander';

/** "2,6" → {2, 6}: the handout's parts 1 to 6. */
function parseParts(value: string): Set<number> {
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length === 0 || parts.some((part) => !Number.isInteger(part) || part < 1 || part > 6)) {
    throw new InvalidArgumentError('must be a comma-separated list of parts from 1 to 6, e.g. 2,6.');
  }
  return new Set(parts);
}
import type { CliContext } from '../context.js';

export function registerNotebookCommand(program: Command, context: CliContext): void {
  program
    .command('notebook')
    .description('measure every measurable question of the handout (Q2–Q29) and keep the evidence: notebook.md, notebook.html, notebook.json, SHA256SUMS')
    .option('--out <dir>', 'where to write it (default notebook-<time>/)')
    .option('--no-campus', 'measure on plain loopback even where socklab campus could run')
    .option('--parts <list>', 'only these parts of the handout, e.g. 2,6 (default: 1,2,3,4,5,6)', parseParts, new Set([1, 2, 3, 4, 5, 6]))
    .option('--pcap', 'capture with tcpdump (notebook.pcap, a TLS key log beside it; the student host\'s interfaces in the campus, lo elsewhere) and set the capture\'s counts beside socklab\'s')
    .addHelpText(
      'after',
      `
Runs every experiment once, at the same time where they cannot disturb each other's counts: the
echo server and client (Q2–Q9), CMD_short:0, CMD_short:1 and CMD_floodme over TCP (Q10–Q16), a
RESET exchange and 60 runs for the loss probability (Q17, Q18), the multicast channel and its
answer to a long message (Q19–Q22), the WebSocket PMU (Q23–Q25), and the TLS PMU over TLS 1.3
and 1.2 (Q26–Q29). By default inside socklab campus (MTU 1500, the course names), else on
loopback; notebook.json says which, with every input, every raw value and the environment.
It states measurements, not answers. Exit 0 when every experiment measured, 1 when one failed
(named; the rest are written), 2 for a usage error.`,
    )
    .action(async (flags: { out?: string; campus: boolean; pcap?: boolean; parts: Set<number> }, cmd: Command) => {
      const loaded = await context.config(cmd);
      const { runNotebook } = await import('../notebook/index.js');
      process.exitCode = await runNotebook(loaded, flags, process.argv.slice(2));
    });
}
