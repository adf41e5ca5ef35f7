import path from 'node:path';
import { type Command, Option } from 'commander';
import { socklabError } from '../../lib/errors.js';
import type { SubjectFields } from '../../lib/certs/names.js';
import { type CliContext, printJson } from '../context.js';
import { formatOption } from '../options.js';

interface KeyFlags {
  id?: string;
  bits: string;
  out?: string;
  force?: boolean;
}

interface CsrFlags extends SubjectFields {
  key?: string;
  id?: string;
  san?: string[];
  out?: string;
  force?: boolean;
}

interface VerifyFlags {
  cert: string;
  ca: string;
  key?: string;
  host?: string;
}

const CERTS = 'certs';

function requireOne(value: string | undefined, fallback: string | undefined, what: string): string {
  const chosen = value ?? fallback;
  if (!chosen) throw socklabError('SOCKLAB_ERR_USAGE', `give ${what}`);
  return chosen;
}

/**
 * Asks for what was not given as flags, as `openssl req` does on a terminal: the subject fields,
 * then the subjectAltNames (extensions, which `openssl req` users expect to be asked for).
 */
async function askMissing(fields: SubjectFields, sans: string[] | undefined): Promise<{ subject: SubjectFields; sans: string[] }> {
  const { SUBJECT_PROMPTS } = await import('../../lib/certs/names.js');
  const missing = SUBJECT_PROMPTS.filter(({ field }) => fields[field] === undefined);
  if ((missing.length === 0 && sans !== undefined) || !process.stdin.isTTY) return { subject: fields, sans: sans ?? [] };
  const { createInterface } = await import('node:readline');
  const prompt = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  // Lines typed (or pasted) ahead of their question wait in the iterator's queue.
  const lines = prompt[Symbol.asyncIterator]();
  const ask = async (question: string): Promise<string | null> => {
    process.stderr.write(`${question}: `);
    const next = await lines.next();
    if (next.done) {
      process.stderr.write('\n');
      return null; // end of input: what is left stays empty
    }
    const answer = String(next.value).trim();
    return answer && answer !== '.' ? answer : '';
  };
  process.stderr.write('Enter the fields of your certificate request; "." or Enter leaves a field out.\n');
  const subject: SubjectFields = { ...fields };
  let answeredSans = sans;
  try {
    for (const { field, prompt: question } of missing) {
      const answer = await ask(question);
      if (answer === null) return { subject, sans: sans ?? [] };
      if (answer) subject[field] = answer;
    }
    if (answeredSans === undefined) {
      const answer = await ask('Subject Alternative Names, comma-separated (e.g. DNS:localhost,IP:127.0.0.1)');
      answeredSans = answer ? answer.split(',').map((name) => name.trim()).filter(Boolean) : [];
    }
  } finally {
    prompt.close();
  }
  return { subject, sans: answeredSans };
}

export function registerCertCommands(program: Command, context: CliContext): void {
  const cert = program.command('cert').description('part 6: your RSA key, the CSR to send to the course, and the check of the certificate it sends back');

  cert
    .command('key')
    .description('make an RSA private key (PEM, mode 0600), like `openssl genrsa`')
    .addOption(formatOption('--id <camipro>', 'your SCIPER/CAMIPRO number: writes certs/<id>_key.pem', 'file-id'))
    .addOption(new Option('--bits <bits>', 'key size; the handout\'s 1024 is allowed with a warning').choices(['1024', '2048', '3072', '4096']).default('2048'))
    .option('--out <file>', 'where to write the key (default certs/<id>_key.pem)')
    .option('--force', 'replace an existing key')
    .action(async (flags: KeyFlags, cmd: Command) => {
      const { makeKey } = await import('../../lib/certs/key.js');
      const out = requireOne(flags.out, flags.id && path.join(CERTS, `${flags.id}_key.pem`), '--id or --out');
      const result = makeKey({ bits: Number(flags.bits), out, force: flags.force === true });
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (context.globals(cmd).json) printJson(result);
      else process.stdout.write(`wrote ${result.file} (RSA ${result.bits} bits, mode 0600)\n`);
    });

  cert
    .command('csr')
    .description('make a certificate signing request (SHA-256), like `openssl req -new -key …`; asks for missing fields on a terminal')
    .option('--key <file>', 'your private key (default certs/<id>_key.pem)')
    .addOption(formatOption('--id <camipro>', 'your SCIPER/CAMIPRO number: reads certs/<id>_key.pem, writes certs/<id>.csr', 'file-id'))
    .option('--cn <name>', 'Common Name')
    .option('--country <code>', 'Country Name (2 letters)')
    .option('--state <name>', 'State or Province Name')
    .option('--locality <name>', 'Locality Name')
    .option('--org <name>', 'Organization Name')
    .option('--unit <name>', 'Organizational Unit Name')
    .option('--email <address>', 'Email Address')
    .option('--san <name>', 'subject alternative name, DNS:host or IP:address (repeat it)', (value: string, previous: string[] | undefined) => [...(previous ?? []), value])
    .option('--out <file>', 'where to write the CSR (default certs/<id>.csr)')
    .option('--force', 'replace an existing CSR')
    .action(async (flags: CsrFlags, cmd: Command) => {
      const { makeCsr } = await import('../../lib/certs/csr.js');
      const keyFile = requireOne(flags.key, flags.id && path.join(CERTS, `${flags.id}_key.pem`), '--key or --id');
      const out = requireOne(flags.out, flags.id && path.join(CERTS, `${flags.id}.csr`), '--out or --id');
      const { country, state, locality, org, unit, cn, email } = flags;
      const { subject, sans } = await askMissing({ country, state, locality, org, unit, cn, email }, flags.san);
      if (subject.country !== undefined && !/^[A-Za-z]{2}$/.test(subject.country)) {
        throw socklabError('SOCKLAB_ERR_USAGE', `the country must be a 2-letter code, not "${subject.country}"`);
      }
      const result = makeCsr({ keyFile, subject, sans, out, force: flags.force === true });
      if (context.globals(cmd).json) printJson(result);
      else process.stdout.write(`wrote ${result.file}; send it to the course (the handout names it CAMIPRO.csr)\n`);
    });

  cert
    .command('verify')
    .description('check a signed certificate against the CA before you use it: chain, CA, validity, key, host')
    .requiredOption('--cert <file>', 'the certificate (e.g. certs/<id>.cert.pem)')
    .requiredOption('--ca <file>', 'the CA certificate (the course\'s cacert.pem)')
    .option('--key <file>', 'your private key: check that it matches the certificate')
    .option('--host <name>', 'the host name or address clients will connect to')
    .addHelpText('after', '\nExit 0 when the certificate is good, 1 with every problem named otherwise.\n--json prints {ok, subject, issuer, serial, notBefore, notAfter, keyMatches, names, securityLevel2, problems, warnings}.')
    .action(async (flags: VerifyFlags, cmd: Command) => {
      const { verifyCertificate } = await import('../../lib/certs/verify.js');
      const report = verifyCertificate({ certFile: flags.cert, caFile: flags.ca, keyFile: flags.key, host: flags.host });
      if (context.globals(cmd).json) printJson(report);
      else {
        process.stdout.write(
          [
            `subject:    ${report.subject}`,
            `issuer:     ${report.issuer}`,
            `serial:     ${report.serial}`,
            `valid:      ${report.notBefore} to ${report.notAfter}`,
            ...(report.keyMatches === null ? [] : [`key:        ${report.keyMatches ? 'matches' : 'does NOT match'}`]),
            `names:      ${report.names.length > 0 ? report.names.join(', ') : '(none)'}${flags.host ? '' : ' (check one with --host)'}`,
            `level 2:    ${report.securityLevel2}`,
            ...report.warnings.map((warning) => `warning:    ${warning}`),
            ...report.problems.map((problem) => `problem:    ${problem}`),
            report.ok ? 'OK' : 'NOT OK',
            '',
          ].join('\n'),
        );
      }
      if (!report.ok) process.exitCode = 1;
    });

  const ca = program.command('ca').description('part 6: a local CA like the course\'s, to sign CSRs offline (for testing, or for a teaching assistant)');
  ca.command('init')
    .description('make a CA: cacert.pem (self-signed) and cakey.pem (mode 0600)')
    .requiredOption('--out <dir>', 'folder for the CA files')
    .option('--cn <name>', 'the CA\'s Common Name', 'socklab local CA')
    .addOption(formatOption('--days <days>', 'validity', 'positive-count').default(3650))
    .option('--force', 'replace an existing CA')
    .action(async (flags: { out: string; cn: string; days: number; force?: boolean }, cmd: Command) => {
      const { initCa } = await import('../../lib/certs/ca.js');
      const result = initCa({ dir: flags.out, cn: flags.cn, days: flags.days, force: flags.force === true });
      if (context.globals(cmd).json) printJson(result);
      else process.stdout.write(`wrote ${result.cert} and ${result.key} (${result.subject})\n`);
    });
  ca.command('sign')
    .description('sign a CSR: its subject and SANs, a random serial, serverAuth, SHA-256')
    .requiredOption('--ca-dir <dir>', 'folder with cacert.pem and cakey.pem')
    .requiredOption('--csr <file>', 'the certificate signing request')
    .requiredOption('--out <file>', 'where to write the certificate')
    .addOption(formatOption('--days <days>', 'validity in days (at most 397 keeps testssl and browsers content)', 'positive-count').default(365))
    .option('--force', 'replace an existing certificate')
    .action(async (flags: { caDir: string; csr: string; out: string; days: number; force?: boolean }, cmd: Command) => {
      const { signCsr } = await import('../../lib/certs/ca.js');
      const result = signCsr({ caDir: flags.caDir, csrFile: flags.csr, days: flags.days, out: flags.out, force: flags.force === true });
      if (context.globals(cmd).json) printJson(result);
      else process.stdout.write(`wrote ${result.file} for ${result.subject} (serial ${result.serial})\n`);
    });
}
