import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isRoot } from '../../../lib/campus/doctor.js';
import { CA_CERT, initCa, signCsr } from '../../../lib/certs/ca.js';
import { makeCsr } from '../../../lib/certs/csr.js';
import { makeKey } from '../../../lib/certs/key.js';
import { exposureLines } from '../../../services/tls-pmu/exposure.js';
import { CLI, spawnService, waitFor, withoutSocklabVariables } from '../../helpers.js';

const GRADER = path.join(__dirname, '..', '..', 'interop', 'python', 'part6_remote_grader.py');
const NAME = 'pmu.example.test';
const SERVER = { v4: '192.0.2.1', v6: '2001:db8::1' };
const GRADER_HOST = { v4: '192.0.2.2', v6: '2001:db8::2' };

// A CA, and a server certificate for NAME only (no address, not this machine's name).
const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-expose-'));
const files = { ca: path.join(folder, 'ca', CA_CERT), key: path.join(folder, 'server_key.pem'), cert: path.join(folder, 'server.cert.pem') };
beforeAll(() => {
  initCa({ dir: path.join(folder, 'ca'), cn: 'test course CA', days: 30, force: false });
  makeKey({ bits: 2048, out: files.key, force: true });
  makeCsr({ keyFile: files.key, subject: { cn: NAME }, sans: [`DNS:${NAME}`], out: path.join(folder, 'server.csr'), force: true });
  signCsr({ caDir: path.join(folder, 'ca'), csrFile: path.join(folder, 'server.csr'), days: 30, out: files.cert, force: true });
});

describe('exposureLines', () => {
  it('names the addresses, the certificate\'s names and whether the grader\'s name is among them', () => {
    const facts = { port: 5007, cert: readFileSync(files.cert), addresses: [{ address: '192.0.2.1', family: 'IPv4' as const, iface: 'eth0' }, { address: '2001:db8::1', family: 'IPv6' as const, iface: 'eth0' }], helloTimeoutMs: 5000, maxConnections: 500, maxPendingPerAddress: 250 };
    const lines = exposureLines({ ...facts, name: NAME }).map((line) => `${line.level} ${line.message}`);
    expect(lines).toEqual([
      'info exposed: listening on port 5007 of every address of this machine, IPv4 and IPv6',
      'info reachable at tls://192.0.2.1:5007, tls://[2001:db8::1]:5007',
      `info certificate names: DNS:${NAME} (CN ${NAME}); "${NAME}", the name a grader uses, is among them`,
      'warn anyone who can reach port 5007 can now reach the PMU; it holds at most 500 connections, 250 waiting per address, and closes one that sends nothing within 5 s',
    ]);
    expect(exposureLines({ ...facts, name: 'elsewhere.example.test' })[2]).toEqual({
      level: 'warn',
      message: expect.stringContaining('"elsewhere.example.test", the name a grader uses, is NOT among them') as string,
    });
    expect(exposureLines({ ...facts, name: NAME, addresses: [] })[1]!.level).toBe('warn');
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `command` inside the network namespace of `pid`, bounded in time. */
function inNamespace(pid: number, command: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', '--', ...command], { env: withoutSocklabVariables(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A network namespace of its own, held by a process that ends with the test. */
async function namespace(): Promise<number> {
  const holder = spawn('unshare', ['--net', 'sleep', '300'], { stdio: 'ignore' });
  onTestFinished(() => {
    holder.kill('SIGKILL');
  });
  const own = readlinkSync('/proc/self/ns/net');
  await waitFor('a new network namespace', () => {
    try {
      return readlinkSync(`/proc/${holder.pid}/ns/net`) !== own;
    } catch {
      return false;
    }
  });
  return holder.pid!;
}

function ip(pid: number, args: string): void {
  const run = spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', ...args.split(' ')], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`ip ${args}: ${run.stderr}`);
}

/** Two hosts on one link, documentation-range addresses: the PMU's machine and the grader's. */
async function twoHosts(): Promise<{ server: number; grader: number }> {
  const [server, grader] = [await namespace(), await namespace()];
  const made = spawnSync('ip', ['link', 'add', 'pmu0', 'netns', String(server), 'type', 'veth', 'peer', 'name', 'grader0', 'netns', String(grader)], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`veth: ${made.stderr}`);
  for (const [pid, dev, addresses] of [[server, 'pmu0', SERVER], [grader, 'grader0', GRADER_HOST]] as const) {
    ip(pid, 'link set lo up');
    ip(pid, `addr add ${addresses.v4}/24 dev ${dev}`);
    ip(pid, `-6 addr add ${addresses.v6}/64 dev ${dev} nodad`);
    ip(pid, `link set ${dev} up`);
  }
  return { server, grader };
}

const tlsPmu = (port: number, options: { expose?: boolean; name?: string } = {}) => [
  'service', 'tls-pmu', '--tlsPmu.port', String(port), '--tlsPmu.key', files.key, '--tlsPmu.cert', files.cert,
  '--tlsPmu.publicName', options.name ?? NAME, '--pmu.messagesMin', '5', '--pmu.messagesMax', '5', ...(options.expose ? ['--expose'] : []),
];
const grade = (hosts: { grader: number }, address: string, port: number, squatters = 0) =>
  inNamespace(hosts.grader, ['/usr/bin/python3', GRADER, address, String(port), files.ca, NAME, String(squatters)]);
const messages = (output: string) => output.match(/This is PMU data \d+/g)?.length ?? 0;

describe.runIf(isRoot())('the TLS PMU hosted for a grader on another machine (two namespaces, one veth link)', () => {
  it('serves a verifying grader over IPv4 and IPv6 when exposed, says where and for which names; unexposed, it refuses both', async () => {
    const hosts = await twoHosts();
    const exposed = await spawnService(tlsPmu(5007, { expose: true }), ['nsenter', '-t', String(hosts.server), '-n', '--']);
    const unexposed = await spawnService(tlsPmu(5008), ['nsenter', '-t', String(hosts.server), '-n', '--']);

    for (const address of [SERVER.v4, SERVER.v6]) {
      const run = await grade(hosts, address, 5007);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^TLSv1\.3 /);
      expect(messages(run.stdout)).toBe(5);
      const refused = await grade(hosts, address, 5008);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('ConnectionRefusedError');
    }

    const said = exposed.logLines().map((line) => String(line.message));
    expect(said).toContain(`reachable at tls://${SERVER.v4}:5007, tls://[${SERVER.v6}]:5007`);
    expect(said).toContain(`certificate names: DNS:${NAME} (CN ${NAME}); "${NAME}", the name a grader uses, is among them`);
    expect(said.some((line) => line.startsWith('anyone who can reach port 5007 can now reach the PMU'))).toBe(true);
    expect(exposed.endpoints[0]).toMatch(/tls:\/\/\[::\]:5007 .*, exposed$/);
    expect(unexposed.logLines().map((line) => String(line.message)).filter((line) => line.startsWith('reachable at'))).toEqual([]);

    const misnamed = await spawnService(tlsPmu(5009, { expose: true, name: 'other.example.test' }), ['nsenter', '-t', String(hosts.server), '-n', '--']);
    const warning = misnamed.logLines().find((line) => String(line.message).startsWith('certificate names:'))!;
    expect(warning.level).toBe('warn');
    expect(warning.message).toContain('"other.example.test", the name a grader uses, is NOT among them');
    expect(warning.message).toContain('--san DNS:other.example.test');
  }, 60_000);

  it('self-checks from outside: exit 0 with the name in the certificate, 1 with one that lacks it or when not exposed', async () => {
    const hosts = await twoHosts();
    await spawnService(tlsPmu(5007, { expose: true }), ['nsenter', '-t', String(hosts.server), '-n', '--']);
    await spawnService(tlsPmu(5008), ['nsenter', '-t', String(hosts.server), '-n', '--']);
    const check = (...extra: string[]) => inNamespace(hosts.server, [process.execPath, CLI, 'tls', 'CMD_short:0', '--from-outside', '--ca', files.ca, ...extra]);

    const good = await check('--servername', NAME, '--port', '5007');
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^ok +tls://192\\.0\\.2\\.1:5007 as ${NAME}: certificate valid for "${NAME}" and signed by the CA; TLSv1\\.3 \\S+; 5 messages`)),
      expect.stringMatching(new RegExp(`^ok +tls://\\[2001:db8::1\\]:5007 as ${NAME}: `)),
    ]);

    const lacking = await check('--servername', 'other.example.test', '--port', '5007');
    expect(lacking.code).toBe(1);
    expect(lacking.stdout).toContain(`the certificate is not valid for "other.example.test" (it names DNS:${NAME}, CN ${NAME})`);
    expect(lacking.stderr.trim().split('\n')).toHaveLength(1);

    const closed = await check('--servername', NAME, '--port', '5008');
    expect(closed.code).toBe(1);
    expect(closed.stdout).toContain('nothing listens on port 5008 at this address: the TLS PMU is not exposed');
  }, 60_000);

  it('lets the grader in while 500 idle connections from the grader\'s host are held open', async () => {
    const hosts = await twoHosts();
    await spawnService(tlsPmu(5007, { expose: true }), ['nsenter', '-t', String(hosts.server), '-n', '--']);
    const run = await grade(hosts, SERVER.v4, 5007, 500);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stderr).toContain('500 idle connections held');
    expect(messages(run.stdout)).toBe(5);
  }, 60_000);
});
