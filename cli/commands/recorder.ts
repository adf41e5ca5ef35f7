import { existsSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { terminalSafe } from '../../lib/terminal.js';
import type { RecorderReader } from '../../services/mcast-recorder/store.js';
import { type CliContext, printJson } from '../context.js';
import { formatOption } from '../options.js';

interface StoreFlags {
  db?: string;
}

interface QueryFlags extends StoreFlags {
  id?: string;
  since?: string;
  until?: string;
  grep?: string;
  limit?: number;
}

function isoTime(value: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new InvalidArgumentError('must be a date or time such as 2026-11-27 or 2026-11-27T14:00:00Z.');
  return time.toISOString();
}

function filterOptions(command: Command): Command {
  return command
    .addOption(formatOption('--id <id>', 'only this sender ID', 'sender-id'))
    .addOption(new Option('--since <time>', 'received at or after this time (ISO-8601, local date, …)').argParser(isoTime))
    .addOption(new Option('--until <time>', 'received before this time').argParser(isoTime))
    .option('--grep <text>', 'text contains this (case-insensitive)')
    .addOption(formatOption('--limit <n>', 'at most n datagrams', 'positive-count'));
}

export function registerRecorderCommands(program: Command, context: CliContext): void {
  const recorder = program.command('recorder').description('part 4: read the mcast-recorder\'s store');
  const dbOption = () => formatOption('--db <file>', 'the recorder\'s store (default: recorder.db)', 'file-path');

  const open = async (cmd: Command, flags: StoreFlags): Promise<RecorderReader> => {
    const loaded = await context.config(cmd, { 'recorder.db': flags.db });
    const { resolveProjectPath } = await import('../../lib/paths.js');
    const { RecorderReader: Reader } = await import('../../services/mcast-recorder/store.js');
    const { socklabError } = await import('../../lib/errors.js');
    const file = resolveProjectPath(loaded.config.recorder.db);
    if (!existsSync(file)) throw socklabError('SOCKLAB_ERR_USAGE', `no recorder store at ${file} (is the mcast-recorder running? npm start)`);
    return new Reader(file);
  };

  recorder
    .command('stats')
    .description('per sender ID: datagrams, bytes, first and last seen')
    .addOption(dbOption())
    .action(async (flags: StoreFlags, cmd: Command) => {
      const reader = await open(cmd, flags);
      const stats = reader.stats();
      reader.close();
      if (context.globals(cmd).json) return printJson(stats);
      const lines = ['sender  datagrams       bytes  first seen                last seen'];
      for (const row of stats) {
        lines.push(`${terminalSafe(row.senderId).padEnd(6)}  ${String(row.count).padStart(9)}  ${String(row.bytes).padStart(10)}  ${row.firstSeen}  ${row.lastSeen}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  filterOptions(recorder.command('query'))
    .description('the datagrams that match, oldest first')
    .addOption(dbOption())
    .action(async (flags: QueryFlags, cmd: Command) => {
      const reader = await open(cmd, flags);
      try {
        const rows = reader.query(flags);
        if (context.globals(cmd).json) return printJson([...rows]);
        for (const row of rows) process.stdout.write(terminalSafe(`${row.receivedAt} [${row.senderId}] ${row.text}   (from ${row.from})\n`));
      } finally {
        reader.close();
      }
    });

  filterOptions(recorder.command('export'))
    .description('every datagram that matches, as JSON lines or CSV, streamed')
    .addOption(dbOption())
    .addOption(new Option('--format <format>', 'jsonl or csv').choices(['jsonl', 'csv']).default('jsonl'))
    .action(async (flags: QueryFlags & { format: 'jsonl' | 'csv' }, cmd: Command) => {
      const reader = await open(cmd, flags);
      const { exportHeader, exportLine } = await import('../../services/mcast-recorder/export.js');
      try {
        process.stdout.write(exportHeader(flags.format));
        for (const row of reader.query(flags)) {
          if (!process.stdout.write(exportLine(row, flags.format))) await new Promise((resolve) => process.stdout.once('drain', resolve));
        }
      } finally {
        reader.close();
      }
    });
}
