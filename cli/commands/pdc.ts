import { appendFileSync, readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import type { PdcResult, TlsClientOptions } from '../../lib/clients/pdc.js';
import { socklabError } from '../../lib/errors.js';
import { terminalSafe, untrustedTextSink } from '../../lib/terminal.js';
import { plural } from '../../lib/words.js';
import { type CliContext, printJson } from '../context.js';
import { formatOption, settingOverrides } from '../options.js';
import { runFromOutside } from './tls-outside.js';

interface PdcFlags {
  host?: string;
  port?: number;
  timeout?: number;
  recvSize?: number;
}

interface TlsFlags extends PdcFlags {
  ca?: string;
  servername?: string;
  insecure?: boolean;
  seclevel?: string;
  tlsVersion?: '1.2' | '1.3';
  keylog?: string;
  grader?: boolean;
  fromOutside?: boolean;
}

const MEASURES = `
Prints the messages on stdout (the flood as it arrives) and one summary line on stderr: messages
(Q10), reads = data events or recv() calls (Q16), segments with payload from the server as the
kernel counted them (TCP_INFO tcpi_data_segs_in, Q11 and Q14), bytes and time.`;

function summary(command: string, result: PdcResult): string {
  const segments = result.segments === null ? `segments unknown (${result.segmentsNote})` : `${plural(result.segments, 'segment')} with payload from the server`;
  const messages = command === 'CMD_floodme' ? '1 flood text' : plural(result.messages.length, 'message');
  const tls = result.tls;
  const session = tls ? `${tls.version} ${tls.cipher}, server ${tls.subject}, ` : '';
  const line = `${session}${messages}, ${plural(result.reads, 'read')}, ${segments}, ${plural(result.bytes, 'byte')}, ${result.durationMs} ms\n`;
  if (!tls) return line;
  const { toServer, fromServer } = tls.handshakeSegments;
  const handshake = toServer === null || fromServer === null ? 'segments unknown' : `${plural(toServer, 'segment')} to the server, ${plural(fromServer, 'segment')} from it`;
  return `${line}handshake: ${handshake}; ${tls.suitesOffered ?? '?'} suites offered; key exchange ${tls.keyExchange}; server key ${tls.serverKey}, signing with ${tls.signatureAlgorithm ?? '?'}; records ${tls.recordCipher}, ${tls.recordIntegrity}\n`;
}

/** Why an exchange that ended normally still did not get a PMU answer (exit 1, after printing what came). */
function answerProblem(result: PdcResult): string | null {
  if (result.bytes === 0) return 'the server closed the connection without sending anything';
  if (result.unexpected.length > 0) {
    const bytes = result.unexpected.reduce((total, text) => total + Buffer.byteLength(text), 0);
    return `${bytes} bytes of the answer are not PMU messages ("This is PMU data i"); shown as [unexpected data]`;
  }
  return null;
}

/** Appends NSS key log lines to `file` (mode 0600: they decrypt the session). */
function keylogWriter(file: string): (line: Buffer) => void {
  try {
    appendFileSync(file, '', { mode: 0o600 });
  } catch (error) {
    throw socklabError('SOCKLAB_ERR_USAGE', `cannot write the key log ${file}: ${(error as Error).message}`);
  }
  return (line) => appendFileSync(file, line);
}

function clientOptions(command: Command, what: string, defaultPort: string): Command {
  return command
    .argument('<command>', 'CMD_short:d (n messages d seconds apart; n is random, 5 to 15 on the emulator as on the course server) or CMD_floodme')
    .addOption(formatOption('--host <host>', `${what} host (default: the profile's)`, 'host'))
    .addOption(formatOption('--port <port>', `${what} port (default: ${defaultPort})`, 'tcp-port'))
    .addOption(formatOption('--timeout <seconds>', 'give up when the server sends nothing for this long', 'seconds'))
    .addOption(formatOption('--recv-size <bytes>', 'read at most this many bytes per read, like recv(N) (Q16)', 'positive-count'));
}

/** The PDC exchange and its output: the messages on stdout as they come, a summary (or --json). */
async function exchangeAndPrint(target: { host: string; port: number }, command: string, timeoutSeconds: number, flags: PdcFlags, json: boolean, tls?: TlsClientOptions): Promise<void> {
  const { runPdc } = await import('../../lib/clients/pdc.js');
  const result = await runPdc({
    host: target.host,
    port: target.port,
    command,
    timeoutMs: timeoutSeconds * 1000,
    recvSize: flags.recvSize,
    tls,
    floodSink: json ? undefined : untrustedTextSink(process.stdout),
    onItem: json
      ? undefined
      : (item) => process.stdout.write(item.kind === 'message' ? `${terminalSafe(item.text)}\n` : `[unexpected data] ${terminalSafe(JSON.stringify(item.text))}\n`),
  });
  if (json) printJson(result);
  else process.stderr.write(summary(command, result));
  const problem = answerProblem(result);
  if (problem) throw socklabError('SOCKLAB_ERR_PROTOCOL', problem);
}

/** `socklab pdc`: part 2 over TCP. */
async function runPdcCommand(context: CliContext, cmd: Command, command: string, flags: PdcFlags): Promise<void> {
  const { config } = await context.config(cmd, settingOverrides({ 'client.pmuTcp.host': flags.host, 'client.pmuTcp.port': flags.port, 'client.timeoutSeconds': flags.timeout }));
  await exchangeAndPrint(config.client.pmuTcp, command, config.client.timeoutSeconds, flags, context.globals(cmd).json === true);
}

/** `socklab tls`: part 6, checking the server against the CA (or, with --grader, as the handout's grader). */
async function runTlsCommand(context: CliContext, cmd: Command, command: string, flags: TlsFlags): Promise<void> {
  const settings = { 'client.tls.host': flags.host, 'client.tls.port': flags.port, 'client.tls.ca': flags.ca, 'client.tls.servername': flags.servername, 'client.timeoutSeconds': flags.timeout };
  const { config } = await context.config(cmd, settingOverrides(settings));
  const json = context.globals(cmd).json === true;
  const { resolveProjectPath } = await import('../../lib/paths.js');
  const target = config.client.tls;
  if (flags.grader) {
    const { runGrader } = await import('../../lib/clients/grader.js');
    const graded = await runGrader({ host: target.host, port: target.port, ca: resolveProjectPath(target.ca), command, servername: target.servername || target.host });
    if (json) return printJson(graded);
    for (const message of graded.messages) process.stdout.write(`${terminalSafe(message)}\n`);
    process.stderr.write(`${graded.summary}\n`);
    if (!graded.asWritten.ok) throw socklabError('SOCKLAB_ERR_NETWORK', `the handout's grader could not connect: ${graded.asWritten.error}`);
    return;
  }
  if (flags.insecure) process.stderr.write('warning: --insecure: the server certificate is not checked; anyone could be answering\n');
  let ca: Buffer | undefined;
  if (!flags.insecure) {
    try {
      ca = readFileSync(resolveProjectPath(target.ca));
    } catch {
      throw socklabError('SOCKLAB_ERR_USAGE', `cannot read the CA certificate ${target.ca} (give it with --ca, e.g. the course's cacert.pem)`);
    }
  }
  const tls: TlsClientOptions = {
    ca,
    servername: target.servername || undefined,
    rejectUnauthorized: !flags.insecure,
    securityLevel: flags.seclevel === '1' ? 1 : 2,
    version: flags.tlsVersion ? (`TLSv${flags.tlsVersion}` as const) : undefined,
    onKeylog: flags.keylog ? keylogWriter(flags.keylog) : undefined,
  };
  await exchangeAndPrint(target, command, config.client.timeoutSeconds, flags, json, tls);
}

export function registerPdcCommands(program: Command, context: CliContext): void {
  clientOptions(program.command('pdc'), 'PMU', 'client.pmuTcp.port, 5003')
    .description('part 2: send a command to the PMU over TCP (IPv4) and print every message on its own line')
    .addHelpText(
      'after',
      `${MEASURES} --json prints {command, transport, messages, reads, bytes, segments, durationMs}.

Examples:
  socklab pdc CMD_short:0
  socklab pdc CMD_short:1 --json
  socklab pdc CMD_floodme --recv-size 1024 > flood.txt`,
    )
    .action((command: string, flags: PdcFlags, cmd: Command) => runPdcCommand(context, cmd, command, flags));

  clientOptions(program.command('tls'), 'TLS PMU', 'client.tls.port, 5007')
    .description('part 6: the PDC over TLS: checks the server certificate against the CA, then as `pdc`')
    .option('--ca <file>', 'CA certificate to trust (default client.tls.ca; the course\'s cacert.pem)')
    .option('--servername <name>', 'name the certificate must carry (default client.tls.servername)')
    .option('--insecure', 'do not check the server certificate (warned)')
    .addOption(new Option('--seclevel <level>', 'OpenSSL security level: 2 refuses a 1024-bit server key, as the grader\'s Python on Debian/Ubuntu does').choices(['1', '2']).default('2'))
    .addOption(new Option('--tls-version <version>', 'only this TLS version (1.2 shows more of the handshake in clear, Q26–Q29)').choices(['1.2', '1.3']))
    .option('--grader', 'connect exactly as the handout\'s grader does: Python, SSLContext(PROTOCOL_SSLv23) with the CA; also says whether a verifying grader accepts the server')
    .option('--keylog <file>', 'append the session keys (NSS key log) for Wireshark: Preferences › Protocols › TLS › (Pre)-Master-Secret log filename')
    .option(
      '--from-outside',
      'the self-check of a TLS PMU hosted for a grader: connect through this machine\'s addresses beyond loopback, verify the certificate against --ca for the name the grader uses (--servername, default tlsPmu.publicName or this machine\'s host name), say what a remote grader sees; exit 1 if it would fail',
    )
    .addHelpText(
      'after',
      `${MEASURES} It adds the TLS version, the cipher suite agreed and the server certificate's subject
(Q26–Q29); --json adds them as a "tls" object. Segments include the handshake's.

Examples:
  socklab tls CMD_short:0                          # the local TLS PMU, checked against the local CA
  socklab tls CMD_short:0 --ca certs/cacert.pem --servername 123456
  socklab tls CMD_short:0 --from-outside --ca certs/cacert.pem --servername pmu.example.org`,
    )
    .action((command: string, flags: TlsFlags, cmd: Command) => (flags.fromOutside ? runFromOutside(context, cmd, command, flags) : runTlsCommand(context, cmd, command, flags)));
}
