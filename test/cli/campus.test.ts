import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { machineChecks } from '../../lib/campus/doctor.js';
import { CA_CERT } from '../../lib/certs/ca.js';
import { ensureLocalServerCertificate } from '../../lib/certs/local.js';
import { pmuMessage } from '../../lib/pmu/command.js';
import { CLI, runCli, waitFor, withoutSocklabVariables } from '../helpers.js';

// Every program here runs inside `socklab campus`: on a student host (a network namespace) joined
// to the emulated course hosts, whose names the handout's programs use. Nothing reaches further.
const canRun = machineChecks({ campusOnly: true }).every((check) => check.ok);
/** tcpdump is a peer: its absence is known before any campus starts (scripts/peers.sh installs it). */
const hasTcpdump = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
const HANDOUT = path.join(__dirname, '..', 'interop', 'python', 'handout');
/** Programs in the shapes students wrote them (test/interop/python/campus/README.md). */
const SHAPES = path.join(__dirname, '..', 'interop', 'python', 'campus');
const PART5_DECODE = path.join(__dirname, '..', 'interop', 'python', 'part5_recv_decode.py');
const GRADER = path.join(__dirname, '..', 'interop', 'python', 'part6_pdc.py');
const FIXED_N = ['--pmu.messagesMin', '5', '--pmu.messagesMax', '5'];
/** Debian's Python, which has websocket-client (a python3 earlier on PATH may not). */
const PYTHON = '/usr/bin/python3';

/** TLS material for --tls-pmu, made once for the file. */
const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-campus-test-'));
const tls = { keyFile: path.join(folder, 'server_key.pem'), certFile: path.join(folder, 'server.cert.pem'), caDir: path.join(folder, 'ca') };

/** A shell wait for `pattern` in `file`, bounded (10 s): the script fails naming `what` and what the file says. */
const waitIn = (file: string, pattern: string, what: string) =>
  `for i in $(seq 200); do grep -q ${pattern} ${file} 2>/dev/null && break; sleep 0.05; done; grep -q ${pattern} ${file} 2>/dev/null || { echo "${what}: $(cat ${file} 2>/dev/null)" >&2; exit 3; }`;

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
      ${waitIn(`${folder}/joined.txt`, 'joined', 'the receiver did not join')}
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
    const flood = section(run.stdout, 'part2-flood');
    expect([flood.length, flood.startsWith('Line 00000001: '), flood.endsWith('\n')]).toEqual([1024 * 1024, true, true]);
    expect(section(run.stdout, 'part3')).toMatch(/^OFFSET=(\d|1\d|20) IPv4\n$/);
    // The receiver (INADDR_ANY, no interface) hears the sender (no interface), from 127.0.0.1, and the channel's answer.
    const part4 = section(run.stdout, 'part4').trim().split('\n');
    expect(part4[0]).toMatch(/^123456 192\.0\.2\.100 (O Romeo! ){40}$/); // the student host's own address
    expect(part4[1]).toMatch(/^swcmTV 192\.0\.2\.10 .*123456/); // from tcpip.epfl.ch, across the link
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
    expect(reset.runs[0]).toMatchObject({ family: 'IPv6', address: '2001:db8::20' });
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
      ${waitIn(`${folder}/listening.txt`, 'joined', 'mcast listen did not join')}
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
    expect(JSON.parse(section(run.stdout, 'reset')).runs[0]).toMatchObject({ family: 'IPv4', address: '192.0.2.20' });
    expect(JSON.parse(section(run.stdout, 'mcast'))).toMatchObject({ id: '654321', text: 'hello' });
    expect(JSON.parse(section(run.stdout, 'tls'))).toMatchObject({ transport: 'tls', messages: five });
  });

  it.runIf(hasTcpdump)('gives MTU 1500 segments: the flood\'s count is 1 MiB / MSS within 2%, and tcpdump captures the same packets', async () => {
    const capture = path.join(folder, 'flood.pcap');
    const run = await campus([], `
      tcpdump -B 32768 -U -i eth0 -nn -w ${capture} 'tcp src port 5003' 2> ${folder}/tcpdump.txt & capturing=$!
      ${waitIn(`${folder}/tcpdump.txt`, 'listening', 'tcpdump did not start')}
      for run in 1 2 3; do ${process.execPath} ${CLI} pdc CMD_floodme --json > ${folder}/flood-$run.json; done
      # -B 32768: a 32 MiB ring, or the kernel drops packets of a burst this size. libpcap hands
      # tcpdump whole blocks, a full one or after its timeout (1 s): stop once the capture has not grown for 2 s.
      for i in 1 2 3 4 5; do before=$(stat -c %s ${capture}); sleep 2; [ "$(stat -c %s ${capture})" = "$before" ] && break; done
      kill -INT $capturing; wait $capturing`);
    expect(run.code, run.stderr).toBe(0);
    const floods = [1, 2, 3].map((index) => JSON.parse(readFileSync(path.join(folder, `flood-${index}.json`), 'utf8')) as { bytes: number; segments: number });
    // Packets with payload from the PMU in the capture, by connection (client port), in order.
    const read = spawnSync('tcpdump', ['-nn', '-r', capture, 'tcp src port 5003 and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)'], { encoding: 'utf8' });
    const perConnection = new Map<string, number>();
    for (const line of read.stdout.trim().split('\n')) {
      const client = / > 192\.0\.2\.100\.(\d+):/.exec(line)?.[1];
      if (client) perConnection.set(client, (perConnection.get(client) ?? 0) + 1);
    }
    const captured = [...perConnection.values()];
    expect(captured).toHaveLength(3);
    floods.forEach((flood, index) => expect(Math.abs(captured[index]! - flood.segments), `flood ${index + 1}`).toBeLessThanOrEqual(2));
    // MSS = MTU 1500 − 20 (IPv4) − 32 (TCP with timestamps): no segment carries more, so there are at
    // least this many. How close to it a flood comes depends on the machine's load (a sender that
    // waits for buffer space pushes partial segments): that figure is bench/campus-segments.ts's.
    for (const flood of floods) expect(flood.segments).toBeGreaterThanOrEqual(Math.floor(flood.bytes / 1448));
  });

  it('gives the student a host of its own: TLS servers on localhost:5003 right after part 2 and on 5007, a receiver without SO_REUSEADDR on 5005; a receiver that never joins hears nothing', async () => {
    ensureLocalServerCertificate(tls);
    const ca = path.join(tls.caDir, CA_CERT);
    const started = (file: string) => waitIn(file, 'listening', 'the TLS server did not listen');
    const run = await campus(['--lab.tv.intervalMs', '200', ...FIXED_N], `
      ${PYTHON} ${SHAPES}/part4_receiver_never_joins.py > ${folder}/never.txt &
      echo "== part2"; ${PYTHON} ${HANDOUT}/part2.py CMD_short:0
      ${PYTHON} ${SHAPES}/part6_server.py 5003 ${tls.certFile} ${tls.keyFile} 2> ${folder}/server-5003.txt &
      ${started(`${folder}/server-5003.txt`)}
      echo "== tls-5003"; ${PYTHON} ${GRADER} localhost 5003 ${ca} CMD_short:0
      ${PYTHON} ${SHAPES}/part6_server.py 5007 ${tls.certFile} ${tls.keyFile} 2> ${folder}/server-5007.txt &
      ${started(`${folder}/server-5007.txt`)}
      echo "== tls-5007"; ${PYTHON} ${GRADER} localhost 5007 ${ca} CMD_short:0
      wait
      echo "== never"; cat ${folder}/never.txt
      echo "== no-reuse"; ${PYTHON} ${SHAPES}/part4_receiver_no_reuse.py 2
      echo "== end"`);
    expect(run.code, run.stderr).toBe(0);
    const five = [1, 2, 3, 4, 5].map(pmuMessage);
    expect(section(run.stdout, 'part2')).toBe(`${five.join('\n')}\n`);
    expect(section(run.stdout, 'tls-5003')).toBe(`TLSv1.3 TLS_AES_256_GCM_SHA384\n${five.join('')}\n`);
    expect(section(run.stdout, 'tls-5007')).toBe(`TLSv1.3 TLS_AES_256_GCM_SHA384\n${five.join('')}\n`);
    expect(section(run.stdout, 'never')).toBe('nothing within 5 s\n');
    expect(section(run.stdout, 'no-reuse').trim().split('\n')).toEqual([expect.stringMatching(/^swcmTV 192\.0\.2\.10 /), expect.stringMatching(/^swcmTV 192\.0\.2\.10 /)]);
  });

  it.each(['IPv4', 'IPv6'] as const)('finds the RESET server on %s by each of its names, by addresses given with --alias, and through connect()ed sockets', async (family) => {
    const run = await campus(['--alias', '198.51.100.7=lab3.iw.epfl.ch', '--alias', '2001:db8:1::7=lab3.iw.epfl.ch', '--lab.pmuUdp.family', family, '--lab.pmuUdp.dropProbability', '0'], `
      echo "== iew"; ${PYTHON} ${SHAPES}/part3_by_name.py lab3.iew.epfl.ch
      echo "== tcpip"; ${PYTHON} ${SHAPES}/part3_by_name.py tcpip.epfl.ch
      echo "== hardcoded"; ${PYTHON} ${SHAPES}/part3_hardcoded.py
      echo "== connected"; ${PYTHON} ${SHAPES}/part3_connected.py lab3.iw.epfl.ch
      echo "== end"`);
    expect(run.code, run.stderr).toBe(0);
    const v4 = family === 'IPv4';
    expect(section(run.stdout, 'iew')).toMatch(new RegExp(`^OFFSET=\\d+ ${family} ${v4 ? '192.0.2.20' : '2001:db8::20'}\n$`));
    expect(section(run.stdout, 'tcpip')).toMatch(new RegExp(`^OFFSET=\\d+ ${family} ${v4 ? '192.0.2.10' : '2001:db8::10'}\n$`));
    expect(section(run.stdout, 'hardcoded')).toMatch(new RegExp(`^OFFSET=\\d+ ${family} ${v4 ? '198.51.100.7' : '2001:db8:1::7'}\n$`));
    expect(section(run.stdout, 'connected')).toMatch(new RegExp(`^OFFSET=\\d+ ${family} ${v4 ? '192.0.2.20' : '2001:db8::20'}\n$`));
  });

  it('shows the student host\'s address in the emulators\' logs (--verbose), and a part 5 client that decodes recv() gets the messages and the flood', async () => {
    const run = await campus(['--verbose', ...FIXED_N], `
      ${PYTHON} ${HANDOUT}/part2.py CMD_short:0 > /dev/null
      echo "== part5"; ${PYTHON} ${PART5_DECODE} ws://tcpip.epfl.ch:5006 CMD_short:0
      echo "== flood"; ${PYTHON} ${PART5_DECODE} ws://tcpip.epfl.ch:5006 CMD_floodme | tail -n 1
      echo "== end"`);
    expect(run.code, run.stderr).toBe(0);
    expect(section(run.stdout, 'part5')).toBe(`${[1, 2, 3, 4, 5].map(pmuMessage).join('\n')}\nrecv() calls with data: 5\n`);
    expect(section(run.stdout, 'flood')).toBe('recv() calls with data: 1\n');
    const sessions = run.stderr.split('\n').filter((line) => line.includes('] session '));
    expect(sessions.length).toBeGreaterThanOrEqual(3);
    for (const line of sessions) expect(line).toMatch(/ peer=(192\.0\.2\.100|\[?2001:db8::100\]?):\d+/);
    expect(run.stderr).not.toMatch(/peer=127\.0\.0\.1/);
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

  /** Processes whose PID namespace is `namespace` (a readlink of /proc/PID/ns/pid). */
  function processesIn(namespace: string): number[] {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/ns/pid`) === namespace;
        } catch {
          return false; // ended meanwhile
        }
      })
      .map(Number);
  }

  /** `socklab campus -- sleep` (through `prefix`, e.g. setpriv), killed with SIGKILL: within 2 s nothing of its PID namespace is left. */
  async function killNine(prefix: string[]): Promise<void> {
    const own = readlinkSync('/proc/self/ns/pid');
    const command = [...prefix, process.execPath, CLI, 'campus', '--tls-pmu', '--tlsPmu.key', tls.keyFile, '--tlsPmu.cert', tls.certFile, '--', 'sleep', '300'];
    const outer = spawn(command[0]!, command.slice(1), { env: { ...withoutSocklabVariables(process.env), HOME: '/tmp' }, stdio: 'ignore' });
    onTestFinished(() => {
      outer.kill('SIGKILL');
    });
    // The campus is up once its program runs: a `sleep 300` in a PID namespace other than ours.
    const namespace = await waitFor('the campus\'s program', () => {
      const sleeper = spawnSync('pgrep', ['-x', 'sleep'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).find((pid) => {
        try {
          return readlinkSync(`/proc/${pid}/ns/pid`) !== own && readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u0000300\u0000';
        } catch {
          return false;
        }
      });
      return sleeper ? readlinkSync(`/proc/${sleeper}/ns/pid`) : undefined;
    }, 20_000);
    expect(processesIn(namespace).length).toBeGreaterThanOrEqual(4); // init, the student host, the TLS PMU, the program
    outer.kill('SIGKILL');
    await waitFor('every process of the campus to end', () => processesIn(namespace).length === 0, 2000);
  }

  it('leaves no process after a kill -9 of socklab campus (found by PID namespace, not by name)', async () => {
    ensureLocalServerCertificate(tls);
    await killNine([]);
  });

  it.runIf(process.getuid?.() === 0)('leaves no process after a kill -9 as an unprivileged user too', async () => {
    ensureLocalServerCertificate(tls);
    chmodSync(folder, 0o755); // the TLS PMU, run as nobody, reads its key and certificate there
    for (const file of [tls.keyFile, tls.certFile]) chmodSync(file, 0o644);
    await killNine(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
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
