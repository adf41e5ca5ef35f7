import { existsSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { type CliContext, printJson } from '../context.js';
import { formatOption } from '../options.js';

interface ReportFlags {
  db?: string;
  csv?: boolean;
  html?: string;
  svg?: string;
}

export function registerProberCommands(program: Command, context: CliContext): void {
  const prober = program.command('prober').description('part 3: read the reset-prober\'s store');
  prober
    .command('report')
    .description('availability of the RESET server by hour of day, for IPv4 and IPv6; changes of family; loss estimate')
    .addOption(formatOption('--db <file>', 'the prober\'s store (default: prober.db)', 'file-path'))
    .addOption(new Option('--csv', 'print the hours as CSV'))
    .addOption(formatOption('--html <file>', 'also write one self-contained page with a chart', 'file-path'))
    .addOption(formatOption('--svg <file>', 'also write the chart alone as SVG', 'file-path'))
    .action(async (flags: ReportFlags, cmd: Command) => {
      const loaded = await context.config(cmd, { 'prober.db': flags.db });
      const { resolveProjectPath } = await import('../../lib/paths.js');
      const { readProberSummary } = await import('../../services/reset-prober/store.js');
      const report = await import('../../services/reset-prober/report.js');
      const { describeError, socklabError } = await import('../../lib/errors.js');
      const file = resolveProjectPath(loaded.config.prober.db);
      if (!existsSync(file)) throw socklabError('SOCKLAB_ERR_USAGE', `no prober store at ${file} (is the reset-prober running? npm start)`);
      const built = report.buildReport(readProberSummary(file));
      const write = (output: string, text: string): void => {
        try {
          writeFileSync(output, text);
        } catch (error) {
          throw socklabError('SOCKLAB_ERR_USAGE', `cannot write ${output}: ${describeError(error)}`);
        }
      };
      if (flags.html) write(flags.html, report.reportHtml(built));
      if (flags.svg) write(flags.svg, `${report.reportSvg(built)}\n`);
      if (context.globals(cmd).json) printJson(built);
      else process.stdout.write(flags.csv ? report.reportCsv(built) : report.reportText(built));
    });
}
