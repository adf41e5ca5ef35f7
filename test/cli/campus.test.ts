import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { machineChecks } from '../../lib/campus/doctor.js';
import { CA_CERT } from '../../lib/certs/ca.js';
import { ensureLocalServerCertificate } from '../../lib/certs/local.js';
import { pmuMessage } from '../../lib/pmu/command.js';
import { CLI, runCli, waitFor, withoutSocklabVariables } from '../helpers.js';

// Every program here runs inside `socklab campus`: a network namespace with only lo, where the
// course host names of the handout's programs resolve to the emulators. Nothing reaches further.
const canRun = machineChecks({ campusOnly: true }).every((check) => check.ok);
const HANDOUT = path.join(__dirname, '..', 'interop', 'python', 'handout');
const GRADER = path.join(__dirname, '..', 'interop', 'python', 'part6_pdc.py');
const FIXED_N = ['--pmu.messagesMin', '5', '--pmu.messagesMax', '5'];
/** Debian's Python, which has websocket-client (a python3 earlier on PATH may not). */
const PYTHON = '/usr/bin/python3';

/** TLS material for --tls-pmu, made once for the file. */
const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-campus-test-'));
const tls = { keyFile: path.join(folder, 'server_key.pem'), certFile: path.join(folder, 'server.cert.pem'), caDir: path.join(folder, 'ca') };

/** `socklab campus [settings] -- sh -c SCRIPT`, as a user runs it. */
function campus(settings: string[], script: string, timeoutMs = 60_000) {
  return runCli(['campus', ...settings, '--', 'sh', '-c', script], {}, timeoutMs);
}

/** The text between `== NAME` and the next `== ` marker of a campus script's output. */
function section(output: string, name: string): string {
  const start = output.indexOf(`== ${name}\n`);
  if (start < 0) throw new Error(`no section ${name} in:\n${output}`);
  const rest = output.slice(start + name.length + 4);
  const end = rest.indexOf('\n== ');
  return end < 0 ? rest : rest.slice(0, end + 1);
}

describe.runIf(canRun)('socklab campus', () => {
  it('runs the handout\'s own Python programs unchanged, under the course host names (parts 2, 3, 4, 5 and the part 6 grader)', async () => {
    ensureLocalServerCertificate(tls);
    const script = `
      echo "== part2-short"; ${PYTHON} ${HANDOUT}/part2.py CMD_short:0
      echo "== part2-flood"; ${PYTHON} ${HANDOUT}/part2.py CMD_floodme
      echo "== part3"; ${PYTHON} ${HANDOUT}/part3.py
      ${PYTHON} ${HANDOUT}/part4_receiver.py 2 > ${folder}/received.txt 2> ${folder}/joined.txt &
      while ! grep -q joined ${folder}/joined.txt 2>/dev/null; do sleep 0.05; done
      printf '%s\\n' "$(printf 'O Romeo! %.0s' $(seq 40))" | ${PYTHON} ${HANDOUT}/part4_sender.py 123456
      wait
      echo "== part4"; cat ${folder}/received.txt
      echo "== part5"; ${PYTHON} ${HANDOUT}/part5.py CMD_short:0
      echo "== part6"; ${PYTHON} ${GRADER} localhost 5007 ${path.join(tls.caDir, CA_CERT)} CMD_short:0
      echo "== end"`;
    const run = await campus(['--tls-pmu', '--tlsPmu.key', tls.keyFile, '--tlsPmu.cert', tls.certFile, '--lab.pmuUdp.family', 'IPv4', '--lab.tv.intervalMs', '60000', ...FIXED_N], script);
    expect(run.code, run.stderr).toBe(0);
    const five = [1, 2, 3, 4, 5].map(pmuMessage);
    expect(section(run.stdout, 'part2-short')).toBe(`${five.join('\n')}\n`);
    expect(section(run.stdout, 'part2-flood')).toBe(`${1024 * 1024}\n`);
    expect(section(run.stdout, 'part3')).toMatch(/^OFFSET=(\d|1\d|20) IPv4\n$/);
    // The receiver (INADDR_ANY, no interface) hears the sender (no interface), from 127.0.0.1, and the channel's answer.
    const part4 = section(run.stdout, 'part4').trim().split('\n');
    expect(part4[0]).toMatch(/^123456 127\.0\.0\.1 (O Romeo! ){40}$/);
    expect(part4[1]).toMatch(/^swcmTV 127\.0\.0\.1 .*123456/);
    expect(section(run.stdout, 'part5')).toBe(`${five.join('\n')}\nevents 5\n`);
    expect(section(run.stdout, 'part6')).toBe(`TLSv1.3 TLS_AES_256_GCM_SHA384\n${five.join('')}\n`);
  });

  it('finds the RESET server when it runs on IPv6 only, with the handout\'s client and with socklab\'s', async () => {
    const run = await campus(['--lab.pmuUdp.family', 'IPv6', '--lab.pmuUdp.dropProbability', '0.3'], `
      echo "== part3"; ${PYTHON} ${HANDOUT}/part3.py
      echo "== reset"; socklab reset --json
      echo "== end"`.replaceAll('socklab ', `${process.execPath} ${CLI} `));
    expect(run.code, run.stderr).toBe(0);
    expect(section(run.stdout, 'part3')).toMatch(/^OFFSET=(\d|1\d|20) IPv6\n$/);
    const reset = JSON.parse(section(run.stdout, 'reset')) as { runs: Array<{ family: string; address: string }> };
    expect(reset.runs[0]).toMatchObject({ family: 'IPv6', address: '::1' });
  });

  it('runs socklab\'s own clients with the epfl profile: pdc, ws, reset, mcast listen and send, tls', async () => {
    ensureLocalServerCertificate(tls);
    const socklab = `${process.execPath} ${CLI}`;
    const run = await campus(['--tls-pmu', '--tlsPmu.key', tls.keyFile, '--tlsPmu.cert', tls.certFile, '--lab.pmuUdp.family', 'IPv4', '--lab.tv.intervalMs', '60000', ...FIXED_N], `
      echo "== profile"; ${socklab} config show --json | grep -c tcpip
      echo "== pdc"; ${socklab} pdc CMD_short:0 --json
      echo "== ws"; ${socklab} ws CMD_short:0 --json
      echo "== reset"; ${socklab} reset --json
      ${socklab} mcast listen --count 1 --json > ${folder}/heard.json 2> ${folder}/listening.txt &
      while ! grep -q joined ${folder}/listening.txt 2>/dev/null; do sleep 0.05; done
      ${socklab} mcast send --id 654321 --message hello
      wait
      echo "== mcast"; cat ${folder}/heard.json
      echo "== tls"; ${socklab} tls CMD_short:0 --json --ca ${path.join(tls.caDir, CA_CERT)}
      echo "== end"`);
    expect(run.code, run.stderr).toBe(0);
    expect(Number(section(run.stdout, 'profile'))).toBeGreaterThan(0); // SOCKLAB_PROFILE=epfl: the course names
    const five = [1, 2, 3, 4, 5].map(pmuMessage);
    expect(JSON.parse(section(run.stdout, 'pdc'))).toMatchObject({ transport: 'tcp', messages: five });
    expect(JSON.parse(section(run.stdout, 'ws'))).toMatchObject({ transport: 'ws', messages: five, events: 5 });
    expect(JSON.parse(section(run.stdout, 'reset')).runs[0]).toMatchObject({ family: 'IPv4', address: '127.0.0.1' });
    expect(JSON.parse(section(run.stdout, 'mcast'))).toMatchObject({ id: '654321', text: 'hello' });
    expect(JSON.parse(section(run.stdout, 'tls'))).toMatchObject({ transport: 'tls', messages: five });
  });

  it('gives MTU 1500 segments: the flood\'s count is 1 MiB / MSS within 2%, and tcpdump captures the same packets', async () => {
    const capture = path.join(folder, 'flood.pcap');
    const run = await campus([], `
      tcpdump -B 32768 -U -i lo -nn -w ${capture} 'tcp src port 5003' 2> ${folder}/tcpdump.txt & capturing=$!
      while ! grep -q listening ${folder}/tcpdump.txt 2>/dev/null; do sleep 0.05; done
      for run in 1 2 3; do ${process.execPath} ${CLI} pdc CMD_floodme --json > ${folder}/flood-$run.json; done
      # -B 32768: a 32 MiB ring, or the kernel drops packets of a burst this size. libpcap hands
      # tcpdump whole blocks, a full one or after its timeout (1 s): stop once the capture has not grown for 2 s.
      while true; do before=$(stat -c %s ${capture}); sleep 2; [ "$(stat -c %s ${capture})" = "$before" ] && break; done
      kill -INT $capturing; wait $capturing`);
    expect(run.code, run.stderr).toBe(0);
    const floods = [1, 2, 3].map((index) => JSON.parse(readFileSync(path.join(folder, `flood-${index}.json`), 'utf8')) as { bytes: number; segments: number });
    // Packets with payload from the PMU in the capture, by connection (client port), in order.
    const read = spawnSync('tcpdump', ['-nn', '-r', capture, 'tcp src port 5003 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)'], { encoding: 'utf8' });
    const perConnection = new Map<string, number>();
    for (const line of read.stdout.trim().split('\n')) {
      const client = / > 127\.0\.0\.1\.(\d+):/.exec(line)?.[1];
      if (client) perConnection.set(client, (perConnection.get(client) ?? 0) + 1);
    }
    const captured = [...perConnection.values()];
    expect(captured).toHaveLength(3);
    floods.forEach((flood, index) => expect(Math.abs(captured[index]! - flood.segments), `flood ${index + 1}`).toBeLessThanOrEqual(2));
    // MSS = MTU 1500 − 20 (IPv4) − 32 (TCP with timestamps). A sender that waits for buffer space
    // pushes a partial segment, so a busy machine adds a few: the best of three is within 2%.
    const expected = floods[0]!.bytes / 1448;
    const best = Math.min(...floods.map((flood) => flood.segments));
    expect(best).toBeGreaterThanOrEqual(Math.floor(expected));
    expect((best - expected) / expected).toBeLessThan(0.02);
  });

  it('passes the program\'s exit code on, and refuses a bad option with exit 2 and one line', async () => {
    expect((await campus([], 'exit 0')).code).toBe(0);
    expect((await campus([], 'exit 1')).code).toBe(1);
    expect((await campus([], 'exit 7')).code).toBe(7);
    const bad = await runCli(['campus', '--delay', 'fast', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('socklab: --delay must be a time like 10ms or 0.5s, not "fast"\n');
    // A machine without unshare (here: a PATH that finds nothing) is refused with the fix.
    const unusable = await runCli(['campus', '--', 'true'], { PATH: '/nonexistent' });
    expect(unusable.code).toBe(2);
    expect(unusable.stderr).toBe('socklab: socklab campus cannot run here: not found (makes the namespaces); fix: sudo apt-get install util-linux\n');
  });

  it('leaves no process and no mount behind on SIGTERM', async () => {
    const marker = path.join(folder, 'inside-pid');
    const sleep = `sleep ${300 + Math.floor(Math.random() * 1000)}`; // a command line no other test runs
    const outer = spawn(process.execPath, [CLI, 'campus', '--', 'sh', '-c', `${sleep} & echo $! > ${marker}; wait`], {
      env: withoutSocklabVariables(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      outer.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((resolve) => outer.on('exit', resolve));
    await waitFor('the program inside to start', () => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '');
    // The pids the program sees are the campus's own (a pid namespace): find the sleep from outside.
    const sleeper = spawnSync('pgrep', ['-fx', sleep], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number).filter(Boolean);
    expect(sleeper.length).toBeGreaterThan(0);
    outer.kill('SIGTERM');
    expect(await exited).toBe(143); // 128 + SIGTERM, as a shell reports it
    for (const pid of sleeper) expect(existsSync(`/proc/${pid}`), `pid ${pid} still runs`).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('socklab-campus-');
  });

  it.runIf(process.getuid?.() === 0)('runs part 2 as an unprivileged user too, in a user namespace', async () => {
    const run = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, 'campus', ...FIXED_N, '--', PYTHON, path.join(HANDOUT, 'part2.py'), 'CMD_short:0'],
      { encoding: 'utf8', env: { ...withoutSocklabVariables(process.env), HOME: '/tmp' }, timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${[1, 2, 3, 4, 5].map(pmuMessage).join('\n')}\n`);
  });
});

describe('socklab doctor', () => {
  it('reports what the machine can do, with a fix for what it cannot, and exits 0 only when the campus can run', async () => {
    const run = await runCli(['doctor', '--json']);
    const report = JSON.parse(run.stdout) as { campusCanRun: boolean; checks: Array<{ name: string; ok: boolean; fix: string }> };
    expect(run.code).toBe(report.campusCanRun ? 0 : 1);
    expect(report.campusCanRun).toBe(canRun);
    expect(report.checks.map((check) => check.name)).toEqual(expect.arrayContaining(['Node.js', 'unshare', 'ip', 'mount', 'sch_netem (--delay, --loss)', 'tcpdump']));
    for (const check of report.checks) expect(check.ok || check.fix.length > 0, check.name).toBe(true);
  });
});
