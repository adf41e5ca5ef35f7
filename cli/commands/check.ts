import os from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { socklabError } from '../../lib/errors.js';
import type { CliContext } from '../context.js';

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new InvalidArgumentError('must be a whole number from 1 to 64.');
  return count;
}

interface CheckCommandFlags {
  ca?: string;
  html?: string;
  batch?: string;
  out?: string;
  jobs: number;
  force?: boolean;
  inside?: string;
}

export function registerCheckCommand(program: Command, context: CliContext): void {
  program
    .command('check')
    .description('check a lab submission as the graders do: names, key and certificate, and every program run in socklab campus against the emulators')
    .argument('[path]', 'the submission: a Lab3_CAMIPRO1_CAMIPRO2 folder or a .zip of it')
    .option('--ca <file>', 'the course CA (cacert.pem): the certificate must chain to it, and part 6 is also checked by a verifying client')
    .option('--html <file>', 'also write the report as one HTML page')
    .option('--batch <dir>', 'check every submission (folder or .zip) in DIR, for a teaching assistant; needs --out')
    .option('--out <dir>', 'with --batch: where grades.csv, index.html and a report folder per submission go')
    .option('--jobs <n>', 'with --batch: submissions checked at once, each in its own campus (default: the machine\'s cores)', parseCount, os.availableParallelism())
    .option('--force', 'with --batch: check again what OUT already holds')
    .addOption(new Option('--inside <plan>').hideHelp())
    .addHelpText(
      'after',
      `
Steps, each with a verdict (pass, fail and why, not run and why) and its evidence:
  names    the folder Lab3_CAMIPRO1_CAMIPRO2 (6-digit numbers) and Part2_…, Part3_…,
           Part4_Receiver_…, Part4_Sender_…, Part5_…, [Part6_PMU_…, CAMIPRO1_key.pem,
           CAMIPRO1.cert.pem or CAMIPRO1_cert.pem], a .pdf report; the closest name when one is off
  keys     the key matches the certificate, chains to --ca, dates, key size for a security level 2
           client, the names it is valid for
  part2    CMD_short:0, CMD_short:0 with the PMU writing 7-byte slices 1 ms apart (check.sliceBytes,
           check.sliceGapMs), CMD_short:1: every message the emulator sent on a line of its own
  part3    an IPv4-only then an IPv6-only RESET server, each losing the first 2 requests: OFFSET
           shown, retransmissions about 1 s apart, both families tried
  part4    the receiver prints the channel's lines; the sender's datagrams carry a 6-digit ID + text
  part5    CMD_short:0 over WebSocket, every message printed
  part6    the server starts with its own key and certificate; the handout's grader
           (SSLContext(PROTOCOL_SSLv23)) gets CMD_short:0's messages; with --ca, a verifying one too

How programs run: by extension from check.run (.py: python3, .js: node; a file without one by its
#! line), in a scratch copy of the folder (the submission is never changed), inside socklab
campus (the course names on emulators, no other network; the submission mounted read-only), in
a PID namespace of their own, niced, as unprivileged users when socklab is root (check.sandboxUid
and below), with CPU, memory, process, file and output limits (check.*). Clients get the
command as their first argument and on standard input; the sender gets the first CAMIPRO number
as its argument and lines on standard input.

Exit codes: 0 every step passes (part 6 is optional), 1 a step fails, 2 usage (no such path, not
a submission, a bad zip, a bad --ca), 130 stopped by Ctrl-C. With --batch: 0 once every
submission is graded, whatever the grades; a second run goes on where the last one stopped.

Examples:
  socklab check Lab3_123456_654321.zip --ca cacert.pem
  socklab check Lab3_123456_654321/ --json > verdict.json
  socklab check --batch submissions/ --ca cacert.pem --out grades/ --jobs 2`,
    )
    .action(async (target: string | undefined, flags: CheckCommandFlags, cmd: Command) => {
      const loaded = await context.config(cmd);
      const json = context.globals(cmd).json === true;
      const check = await import('../check/index.js');
      // The campus's init: exiting ends every program still inside, whatever it left open.
      if (flags.inside) process.exit(await check.runCheckInside(loaded, flags.inside));
      if (flags.batch) {
        if (target) throw socklabError('SOCKLAB_ERR_USAGE', 'give either a submission PATH or --batch DIR, not both');
        const { runBatch } = await import('../check/batch.js');
        return void (process.exitCode = await runBatch(flags.batch, flags, process.argv.slice(2)));
      }
      if (!target) throw socklabError('SOCKLAB_ERR_USAGE', 'check needs a submission: a Lab3_CAMIPRO1_CAMIPRO2 folder or a .zip (or --batch DIR)');
      for (const option of ['out', 'force'] as const) if (flags[option]) throw socklabError('SOCKLAB_ERR_USAGE', `--${option} goes with --batch`);
      process.exitCode = await check.runCheck(loaded, target, { ca: flags.ca, html: flags.html, json }, process.argv.slice(2));
    });
}
