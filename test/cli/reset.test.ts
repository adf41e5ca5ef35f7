import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Family } from '../../lib/address.js';
import { ProberStore } from '../../services/reset-prober/store.js';
import { CLI, runCli, silentUdpPort, startUdpEmulator, withoutSocklabVariables } from '../helpers.js';

async function emulator(family: Family, dropProbability = 0.5): Promise<string> {
  return String((await startUdpEmulator({ family, dropProbability })).port);
}

const isRoot = process.getuid?.() === 0;
const hasIp = (() => {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('socklab reset', () => {
  it('prints the answer as the handout asks, and exits 0', async () => {
    const port = await emulator('IPv6');
    const run = await runCli(['reset', '--host', '127.0.0.1', '--host', '::1', '--port', port, '--timeout', '0.1']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OFFSET=\d+ via IPv6 \(::1\) at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(local \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d\) after (\d+) rounds? \((\d+) packets?\)\n$/);
    const [, rounds, packets] = /after (\d+) rounds? \((\d+) packets\)/.exec(run.stdout)!;
    expect(Number(packets)).toBe(Number(rounds) * 2);
  });

  it('--runs gives the documented JSON with a summary and a loss estimate', async () => {
    const port = await emulator('IPv4');
    const run = await runCli(['reset', '--port', port, '--timeout', '0.05', '--runs', '30', '--concurrency', '10', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      runs: Array<{ offset: number; family: string; address: string; at: string; rounds: number; packets: number }>;
      summary: { runs: number; meanRounds: number; meanPackets: number; lossProbability: number; ci95: [number, number] };
    };
    expect(result.runs).toHaveLength(30);
    for (const entry of result.runs) {
      expect(Object.keys(entry).sort()).toEqual(['address', 'at', 'atLocal', 'family', 'offset', 'packets', 'rounds']);
      expect(entry).toMatchObject({ family: 'IPv4', address: '127.0.0.1' });
      expect(entry.packets).toBe(entry.rounds * 2);
    }
    expect(result.summary).toMatchObject({ runs: 30 });
    expect(result.summary.meanPackets).toBeCloseTo(result.summary.meanRounds * 2, 3);
    expect(result.summary.lossProbability).toBeGreaterThan(0.1);
    expect(result.summary.lossProbability).toBeLessThan(0.8);
    expect(result.summary.ci95[0]).toBeLessThanOrEqual(result.summary.lossProbability);
    const plain = await runCli(['reset', '--port', port, '--timeout', '0.05', '--runs', '20', '--concurrency', '5']);
    expect(plain.stdout).toMatch(/20 runs: mean [\d.]+ rounds, [\d.]+ packets per run\n {2}rounds {2}runs\n/);
    expect(plain.stdout).toContain('loss probability p̂ = ');
  });

  it('exits 1 after --max-rounds with no server, 2 on a bad flag', async () => {
    const port = await silentUdpPort();
    const silent = await runCli(['reset', '--port', String(port), '--timeout', '0.05', '--max-rounds', '3']);
    expect(silent.code).toBe(1);
    expect(silent.stdout).toMatch(/^no OFFSET after 3 rounds \(6 packets\)/);
    expect(silent.stderr.trim()).toBe(`socklab: no acknowledgement within 3 rounds from 127.0.0.1, ::1 port ${port}`);
    const bad = await runCli(['reset', '--runs', '0']);
    expect(bad.code).toBe(2);
  });

  it.runIf(isRoot && hasIp)('goes on over IPv4 when IPv6 fails locally, saying so once (network namespace without IPv6)', async () => {
    const namespace = `socklab-test-${process.pid}`;
    execFileSync('ip', ['netns', 'add', namespace]);
    onTestFinished(() => {
      execFileSync('ip', ['netns', 'del', namespace]);
    });
    execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['netns', 'exec', namespace, 'sysctl', '-qw', 'net.ipv6.conf.lo.disable_ipv6=1']);
    const lab = spawn('ip', ['netns', 'exec', namespace, process.execPath, CLI, 'lab', '--only', 'pmu-udp', '--lab.pmuUdp.family', 'IPv4', '--lab.pmuUdp.port', '5004'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      lab.kill('SIGKILL');
    });
    await new Promise<void>((resolve) => lab.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('"ready"') && resolve()));
    const run = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, CLI, 'reset', '--timeout', '0.1', '--runs', '5'], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(run.stdout.match(/via IPv4 \(127\.0\.0\.1\)/g)).toHaveLength(5);
    expect(run.stderr.match(/IPv6 cannot send/g)).toHaveLength(1);
  });
});

describe('socklab prober report', () => {
  it('reports a store spanning both families as a table, JSON, CSV and a self-contained HTML page', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-report-'));
    const file = path.join(dir, 'prober.db');
    const store = new ProberStore(file);
    const probe = (at: Date, family: Family, acknowledged: boolean) => ({
      at: at.toISOString(),
      family,
      targets: [family === 'IPv4' ? '127.0.0.1' : '::1'],
      acknowledged,
      address: acknowledged ? (family === 'IPv4' ? '127.0.0.1' : '::1') : null,
      offset: acknowledged ? 5 : null,
      rounds: acknowledged ? 2 : 20,
      packets: acknowledged ? 2 : 20,
      rttMs: acknowledged ? 0.5 : null,
      error: null,
    });
    const ten = new Date(2026, 10, 27, 10, 30);
    const eleven = new Date(2026, 10, 27, 11, 30);
    store.append([
      ...[probe(ten, 'IPv4', true), probe(ten, 'IPv6', false), probe(eleven, 'IPv4', false), probe(eleven, 'IPv6', true)].map((record) => ({ kind: 'probe' as const, record })),
      { kind: 'switch', record: { at: eleven.toISOString(), from: 'IPv4', to: 'IPv6', after: ten.toISOString(), before: eleven.toISOString() } },
    ]);
    // A read-only copy taken while the prober runs: the rows are still in the WAL, and no -shm can be made beside it.
    const copyDir = path.join(dir, 'copy');
    mkdirSync(copyDir);
    copyFileSync(file, path.join(copyDir, 'prober.db'));
    copyFileSync(`${file}-wal`, path.join(copyDir, 'prober.db-wal'));
    for (const name of ['prober.db', 'prober.db-wal']) chmodSync(path.join(copyDir, name), 0o444);
    chmodSync(copyDir, 0o555);
    chmodSync(dir, 0o755);
    store.close();

    const table = await runCli(['prober', 'report', '--db', file, '--html', path.join(dir, 'report.html'), '--svg', path.join(dir, 'chart.svg')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^10:00 {2}1\/1 100% +0\/1 0% +IPv4$/m);
    expect(table.stdout).toMatch(/^11:00 {2}0\/1 0% +1\/1 100% +IPv6$/m);
    expect(table.stdout).toContain('IPv4 → IPv6 between');
    const json = JSON.parse((await runCli(['prober', 'report', '--db', file, '--json'])).stdout) as { hours: unknown[]; switches: unknown[] };
    expect(json.hours).toHaveLength(24);
    expect(json.switches).toHaveLength(1);
    const csv = (await runCli(['prober', 'report', '--db', file, '--csv'])).stdout.split('\n');
    expect(csv[11]).toBe('10,1,1,0,1,IPv4');
    const missing = await runCli(['prober', 'report', '--db', path.join(dir, 'none.db')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`socklab: no prober store at ${path.join(dir, 'none.db')} (is the reset-prober running? npm start)\n`);
    const unwritable = await runCli(['prober', 'report', '--db', file, '--html', '/nonexistent/dir/r.html']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^socklab: cannot write \/nonexistent\/dir\/r\.html: ENOENT: no such file or directory.*\n$/);

    const readOnly = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'prober', 'report', '--db', path.join(copyDir, 'prober.db'), '--csv'], {
      encoding: 'utf8',
      env: withoutSocklabVariables(process.env),
    });
    expect(readOnly.stderr).toBe('');
    expect(readOnly.stdout.split('\n')[11]).toBe('10,1,1,0,1,IPv4');
  });
});
