import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { socklabError } from '../../lib/errors.js';
import { type CliContext, printJson } from '../context.js';
import { settingOverrides } from '../options.js';

export interface FromOutsideFlags {
  port?: number;
  ca?: string;
  servername?: string;
  timeout?: number;
}

/**
 * `socklab tls CMD --from-outside`: what a grader on another machine will see of the TLS PMU
 * hosted here (issue: hosting the graded TLS PMU). Exit 1 when it would fail through any address.
 */
export async function runFromOutside(context: CliContext, cmd: Command, command: string, flags: FromOutsideFlags): Promise<void> {
  const { config } = await context.config(cmd, settingOverrides({ 'client.tls.port': flags.port, 'client.tls.ca': flags.ca, 'client.timeoutSeconds': flags.timeout ?? 5 }));
  const { resolveProjectPath } = await import('../../lib/paths.js');
  const { machineAddresses } = await import('../../lib/address.js');
  const { checkFromOutside } = await import('../../lib/clients/from-outside.js');
  const { publicName } = await import('../../services/tls-pmu/exposure.js');
  let ca: Buffer;
  try {
    ca = readFileSync(resolveProjectPath(config.client.tls.ca));
  } catch {
    throw socklabError('SOCKLAB_ERR_USAGE', `cannot read the CA certificate ${config.client.tls.ca}: give the one the grader trusts with --ca (the course's cacert.pem)`);
  }
  const name = flags.servername ?? publicName(config.tlsPmu.publicName);
  const addresses = machineAddresses();
  if (addresses.length === 0) throw socklabError('SOCKLAB_ERR_NETWORK', 'this machine has no address beyond loopback: no grader on another machine can reach it');
  const results = await checkFromOutside({ addresses, port: config.client.tls.port, ca, name, command, timeoutMs: config.client.timeoutSeconds * 1000 });
  if (context.globals(cmd).json) printJson({ name, port: config.client.tls.port, results });
  else for (const result of results) process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'}  ${result.target} as ${name}: ${result.detail}\n`);
  const failed = results.filter((result) => !result.ok);
  if (failed.length > 0) throw socklabError('SOCKLAB_ERR_NETWORK', `a grader connecting to ${name} would fail through ${failed.map((result) => result.target).join(', ')}`);
}
