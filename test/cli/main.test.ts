import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers.js';

function tempFile(content: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-cli-')), 'config.json');
  writeFileSync(file, content);
  return file;
}

function expectOneLineProblem(stderr: string, text: string): void {
  expect(stderr).toContain(text);
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('socklab CLI', () => {
  it('explains itself with --help at every level, exit 0', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: socklab');
    expect(top.stdout).toContain('Exit codes: 0 success, 1 the network exchange failed, 2 usage or configuration error');
    for (const command of [['lab'], ['service'], ['config'], ['config', 'show']]) {
      const help = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toContain(`Usage: socklab ${command.join(' ')}`);
    }
    expect((await runCli(['service', '--help'])).stdout).toMatch(/Services:\n\s+lab\s/);
  });

  it('builds an executable `socklab` (shebang and mode), as npx runs it after npm install', () => {
    const run = spawnSync(CLI, ['--help'], { encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: socklab');
  });

  it('checks a valid configuration, exit 0', async () => {
    const run = await runCli(['config', 'check']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toBe('configuration is valid (profile local, config file none)\n');
    const json = await runCli(['config', 'check', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, profile: 'local', configFile: null });
  });

  it('shows the effective configuration with setting flags and variables applied, secrets masked', async () => {
    const run = await runCli(['config', 'show', '--prober.n', '7', '--lab.pmuTcp.port=6003'], {
      SOCKLAB_TLS_PMU_PASSPHRASE: 'hunter2',
    });
    expect(run.code).toBe(0);
    const shown = JSON.parse(run.stdout) as { prober: { n: number }; lab: { pmuTcp: { port: number } }; tlsPmu: { passphrase: string } };
    expect(shown.prober.n).toBe(7);
    expect(shown.lab.pmuTcp.port).toBe(6003);
    expect(run.stdout).not.toContain('hunter2');
  });

  it('exits 2 with one line for a bad profile', async () => {
    const run = await runCli(['--profile', 'moon', 'config', 'check']);
    expect(run.code).toBe(2);
    expectOneLineProblem(run.stderr, 'socklab: invalid configuration: unknown profile "moon"; allowed profiles: epfl, local');
    const fromEnv = await runCli(['config', 'check'], { SOCKLAB_PROFILE: 'moon' });
    expect(fromEnv.code).toBe(2);
  });

  it('exits 2 with one line for a config file with {"prober":{"port":"seventy"}}', async () => {
    const file = tempFile('{"prober":{"port":"seventy"}}');
    for (const run of [await runCli(['--config', file, 'config', 'check']), await runCli(['config', 'check'], { SOCKLAB_CONFIG: file })]) {
      expect(run.code).toBe(2);
      expectOneLineProblem(run.stderr, 'prober.port: must be a port number from 0 to 65535: value was "seventy"');
    }
  });

  it('exits 2 with one line for bad flags, commands and settings', async () => {
    const cases: Array<[string[], string]> = [
      [['config', 'check', '--bogus'], "unknown option '--bogus'"],
      [['nonsense'], "unknown command 'nonsense'"],
      [['lab', '--only', 'ftp'], "argument 'ftp' is invalid"],
      [['service', 'nope'], 'unknown service "nope"; services: lab'],
      [['config', 'check', '--prober.prot', '1'], 'unknown setting --prober.prot'],
      [['config', 'check', '--prober.port'], 'setting --prober.port needs a value'],
      [['config', 'check', '--lab.pmuUdp.dropProbability', '2'], 'lab.pmuUdp.dropProbability: must be a probability from 0 to 1'],
    ];
    for (const [args, problem] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expectOneLineProblem(run.stderr, problem);
    }
  });
});
