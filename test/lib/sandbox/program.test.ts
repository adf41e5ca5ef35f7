import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../../lib/campus/doctor.js';
import { describeEnd, describeUsage, type ProgramRun, SandboxedProgram, type SandboxLimits } from '../../../lib/sandbox/program.js';
import { leaseUids } from '../../../lib/sandbox/uids.js';

// Hostile programs, one per way out that a student's program tried (or snekbox tests its nsjail
// with), each run under the sandbox with no network at all. As root, each run gets a leased uid.
const hasBwrap = spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0;
const PYTHON = '/usr/bin/python3';
const RUNNER = path.join(__dirname, 'run-sandboxed.mjs');
const root = mkdtempSync(path.join(os.tmpdir(), 'socklab-sandbox-test-'));
chmodSync(root, 0o755);
const LIMITS: SandboxLimits = { cpuSeconds: 10, memoryBytes: 256 * 1024 * 1024, processes: 16, outputBytes: 1024 * 1024, fileBytes: 4 * 1024 * 1024, tmpfsBytes: 8 * 1024 * 1024 };
const lease = isRoot() ? leaseUids(8, 63999, 64, path.join(root, 'uids')) : null;
afterAll(() => lease?.release());
let runs = 0;

/** A folder holding `program` as prog.py (and `extra` files), for one run. */
function submission(program: string, extra: (folder: string) => void = () => undefined): string {
  const folder = path.join(root, `submission-${++runs}`);
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'prog.py'), program);
  extra(folder);
  chmodSync(folder, 0o755);
  return folder;
}

function run(program: string, options: { timeoutMs?: number; limits?: Partial<SandboxLimits>; uid?: number; extra?: (folder: string) => void } = {}): Promise<ProgramRun> {
  return new SandboxedProgram({
    command: [PYTHON, 'prog.py'],
    folder: submission(program, options.extra),
    timeoutMs: options.timeoutMs ?? 20_000,
    limits: { ...LIMITS, ...options.limits },
    uid: options.uid ?? lease?.uids[0] ?? null,
    processBase: 0,
    network: 'none',
    name: `test-${process.pid}-${runs}`,
  }).finished;
}

/** The same program as the unprivileged user nobody: socklab without root, its programs in a user namespace. */
function runAsNobody(program: string): ProgramRun {
  const folder = submission(program);
  const result = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, RUNNER, folder, '20000', PYTHON, 'prog.py'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/tmp', TMPDIR: '/tmp' },
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as ProgramRun;
}

const ATTEMPTS = `
import ctypes, os, subprocess
libc = ctypes.CDLL(None, use_errno=True)
def attempt(name, call):
    try:
        result = call()
        print(name, 'SUCCEEDED', result)
    except Exception as error:
        print(name, 'failed:', error)
def syscall(result):
    if result != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return result
attempt('umount', lambda: syscall(libc.umount2(b'/work', 2)))
attempt('bind mount', lambda: syscall(libc.mount(b'/tmp', b'/usr', None, 4096, None)))
attempt('socklab in /proc', lambda: [open(f'/proc/{name}/cmdline').read() for name in os.listdir('/proc') if name.isdigit() and 'node' in open(f'/proc/{name}/cmdline').read()] or 1 / 0)
attempt('unshare', lambda: subprocess.run(['unshare', '-r', 'true'], check=True, capture_output=True))
attempt('write usr', lambda: open('/usr/evil', 'w'))
print('processes', sorted(int(name) for name in os.listdir('/proc') if name.isdigit()))
print('root', sorted(os.listdir('/')))
`;

describe.runIf(hasBwrap)('sandboxed program', () => {
  it('leaves out a link to another group\'s key and to a root-only file: nothing read, nothing chowned, modes unchanged', async () => {
    const other = path.join(root, 'Lab3_OTHER');
    mkdirSync(other);
    const key = path.join(other, '111111_key.pem');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nsecret\n', { mode: 0o600 });
    const before = [lstatSync(key), lstatSync('/etc/shadow')].map((stat) => [stat.uid, stat.mode]);
    const result = await run(`
for name in ['stolen_key.pem', 'shadow']:
    try:
        print(name, open(name).read())
    except OSError as error:
        print(name, 'unreadable:', error.strerror)
`, { extra: (folder) => { symlinkSync(key, path.join(folder, 'stolen_key.pem')); symlinkSync('/etc/shadow', path.join(folder, 'shadow')); } });
    expect(result.stdout).toBe('stolen_key.pem unreadable: No such file or directory\nshadow unreadable: No such file or directory\n');
    expect([...result.leftOut].sort((a, b) => a.path.localeCompare(b.path))).toEqual([{ path: 'shadow', kind: 'symbolic link' }, { path: 'stolen_key.pem', kind: 'symbolic link' }]);
    expect([lstatSync(key), lstatSync('/etc/shadow')].map((stat) => [stat.uid, stat.mode])).toEqual(before);
    expect(describeUsage(result)).toContain('left out of its folder: ');
  });

  it('cannot unmount, bind-mount, see the checker\'s processes (their /proc/PID/mem), make a user namespace or write the system; sees nothing of the host', async () => {
    const result = await run(ATTEMPTS);
    expect(result.stdout).not.toContain('SUCCEEDED');
    for (const name of ['umount', 'bind mount', 'socklab in /proc', 'unshare', 'write usr']) expect(result.stdout).toContain(`${name} failed:`);
    const processes = JSON.parse(/^processes (.*)$/m.exec(result.stdout)![1]!) as number[];
    expect(processes.length).toBeLessThanOrEqual(4); // bwrap's init, python, perhaps its unshare child
    const seen = /^root \[(.*)\]$/m.exec(result.stdout)![1]!.split(', ').map((name) => name.slice(1, -1));
    expect(seen.filter((name) => !['bin', 'dev', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'sbin', 'tmp', 'usr', 'var', 'work'].includes(name))).toEqual([]);
  });

  it.runIf(isRoot())('holds as well for socklab without root (programs in a user namespace, as nobody)', () => {
    const result = runAsNobody(ATTEMPTS);
    expect(result.end).toBe('exited');
    expect(result.stdout).not.toContain('SUCCEEDED');
    for (const name of ['umount', 'bind mount', 'socklab in /proc', 'unshare', 'write usr']) expect(result.stdout).toContain(`${name} failed:`);
    expect(result.limitsApplied).toMatch(/^no cgroup here/);
  });

  it('cannot push keys into the terminal it was started from (TIOCSTI): it has no controlling terminal', () => {
    const folder = submission(`
import fcntl, termios
try:
    tty = open('/dev/tty', 'w')
    for character in 'echo PWNED-BY-TIOCSTI\\n':
        fcntl.ioctl(tty, termios.TIOCSTI, character.encode())
    print('pushed')
except OSError as error:
    print('no terminal:', error.strerror)
`);
    // script(1) gives the runner a terminal of its own, as a TA's shell would be.
    const command = `${process.execPath} ${RUNNER} ${folder} 20000 ${PYTHON} prog.py`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', input: '', timeout: 60_000 });
    const record = JSON.parse(result.stdout.slice(result.stdout.indexOf('{'))) as ProgramRun;
    expect(record.stdout).toMatch(/^no terminal: No such device or address\n$/);
    expect(result.stdout).not.toContain('PWNED-BY-TIOCSTI');
  });

  it('keeps /tmp and /dev/shm to their size, and nothing written there outlives the run', async () => {
    const marker = `socklab-marker-${process.pid}`;
    const result = await run(`
for where in ['/tmp', '/dev/shm', '/var/tmp', '/work']:
    open(f'{where}/${marker}', 'w').write('x')
    try:
        with open(f'{where}/big', 'wb') as big:
            for _ in range(40):
                big.write(b'0' * 262144)
        print(where, 'wrote 10 MiB')
    except OSError as error:
        print(where, 'full:', error.strerror)
`, { limits: { fileBytes: 64 * 1024 * 1024 } });
    for (const where of ['/tmp', '/dev/shm', '/var/tmp', '/work']) expect(result.stdout).toContain(`${where} full: No space left on device`);
    for (const where of ['/tmp', '/dev/shm', '/var/tmp']) expect(existsSync(path.join(where, marker))).toBe(false);
  });

  it.runIf(isRoot())('gives two runs at once two users, and takes over the uid of a check that was killed', () => {
    const dir = path.join(root, 'uids-again');
    const first = leaseUids(3, 500, 10, dir);
    const second = leaseUids(3, 500, 10, dir);
    expect(first.uids.filter((uid) => second.uids.includes(uid))).toEqual([]);
    writeFileSync(path.join(dir, String(first.uids[0])), '2147483000'); // a pid no process has
    first.release();
    const third = leaseUids(7, 500, 10, dir);
    expect(third.uids).toHaveLength(7);
    second.release();
    third.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it.runIf(isRoot())('holds four children together under the memory limit (a cgroup): one is killed, the run says so', async () => {
    const result = await run(`
import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = bytearray(120 * 1024 * 1024)
        for at in range(0, len(block), 4096):
            block[at] = 1
        time.sleep(1)
        os._exit(0)
    children.append(pid)
print('exits', sorted(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children))
`, { limits: { memoryBytes: 256 * 1024 * 1024 } });
    expect(result.limitsApplied).toMatch(/^cgroup v[12]: 256 MiB of memory and 16 processes for the whole program/);
    expect(result.stdout).toMatch(/^exits \[-9/); // at least one child killed by the kernel at the group's limit
    expect(result.peakMemoryBytes!).toBeLessThanOrEqual(256 * 1024 * 1024);
  });

  it('runs a setuid program without its privileges (no_new_privs): passwd -S cannot read /etc/shadow', async () => {
    const result = await run(`
import subprocess
done = subprocess.run(['passwd', '-S', 'root'], capture_output=True, text=True)
print(done.returncode, done.stdout.strip(), done.stderr.strip())
print(open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])
`);
    expect(result.stdout).not.toMatch(/^0 root [PLN]/m);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('1');
  });

  // snekbox's list for nsjail, each a test.
  it('stops a program that never ends at its time limit', async () => {
    const result = await run('while True: pass\n', { timeoutMs: 1000 });
    expect(result.end).toBe('timed out');
    expect(describeEnd(result, { timeoutMs: 1000, outputBytes: LIMITS.outputBytes, processes: LIMITS.processes })).toMatch(/^did not exit within 1 s/);
  });

  it('stops a program at its memory limit', async () => {
    const result = await run('block = bytearray(512 * 1024 * 1024)\nprint("allocated")\n', { limits: { memoryBytes: 128 * 1024 * 1024 } });
    expect(result.stdout).not.toContain('allocated');
    expect(result.end === 'memory limit' || /MemoryError/.test(result.stderr)).toBe(true);
  });

  it('stops a fork bomb at the process limit, and ends every process of it', async () => {
    const result = await run('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n', { timeoutMs: 2000 });
    expect(result.end).toBe('timed out');
    expect(result.processesAtStop).toBeLessThanOrEqual(LIMITS.processes);
    const left = spawnSync('pgrep', ['-f', 'prog.py'], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  it('refuses more processes than the limit', async () => {
    const result = await run(`
import subprocess
started = []
try:
    for _ in range(40):
        started.append(subprocess.Popen(['sleep', '5']))
    print('started', len(started))
except OSError as error:
    print('refused after', len(started), error.strerror)
for child in started:
    child.kill()
`);
    expect(result.stdout).toMatch(/^refused after (\d+) Resource temporarily unavailable/);
    expect(Number(/after (\d+)/.exec(result.stdout)![1])).toBeLessThan(LIMITS.processes);
  });

  it('keeps the system read-only', async () => {
    const result = await run("for target in ['/usr/lib/x', '/etc/passwd', '/bin/x']:\n    try:\n        open(target, 'w')\n        print(target, 'WRITTEN')\n    except OSError as error:\n        print(target, error.strerror)\n");
    expect(result.stdout).not.toContain('WRITTEN');
    expect(result.stdout).toMatch(/Read-only file system/);
  });

  it('fills its disk and goes on: no space left, no harm', async () => {
    const result = await run("import os\ntry:\n    with open('fill', 'wb') as f:\n        while True:\n            f.write(b'0' * 1048576)\n            f.flush()\nexcept OSError as error:\n    print(error.strerror)\n", { limits: { fileBytes: 64 * 1024 * 1024 } });
    expect(result.stdout).toBe('No space left on device\n');
    expect(result.end).toBe('exited');
  });

  it('cannot make a 1 TiB sparse file (the file size limit)', async () => {
    const result = await run("try:\n    with open('sparse', 'wb') as f:\n        f.seek(2 ** 40)\n        f.write(b'x')\n    print('made')\nexcept OSError as error:\n    print(error.strerror)\n");
    expect(result.stdout).not.toContain('made');
    expect(result.stdout.trim() === 'File too large' || result.signal === 'SIGXFSZ').toBe(true);
  });

  it('leaves its links behind it unfollowed: a fan-out of symbolic links, and its own file replaced by one to /etc/passwd', async () => {
    const result = await run(`
import os
os.makedirs('fan', exist_ok=True)
for index in range(5000):
    os.symlink('/etc/passwd' if index % 2 else '../fan', f'fan/link{index}')
os.remove('prog.py')
os.symlink('/etc/shadow', 'prog.py')
print('done')
`);
    expect(result.stdout).toBe('done\n');
    expect(result.folderChanges).toEqual(['changed prog.py']);
  });

  it('makes 1,000 nested folders and is cleaned up after', async () => {
    const before = readdirSync(os.tmpdir()).filter((name) => name.startsWith('socklab-sandbox-')).length;
    const result = await run("import os\npath = 'deep'\nfor _ in range(1000):\n    os.mkdir(path)\n    os.chdir(path)\nprint('deep enough')\n");
    expect(result.stdout).toBe('deep enough\n');
    expect(readdirSync(os.tmpdir()).filter((name) => name.startsWith('socklab-sandbox-')).length).toBe(before);
  });

  it('keeps /dev/shm to its size', async () => {
    const result = await run("try:\n    open('/dev/shm/big', 'wb').write(b'0' * (16 * 1024 * 1024))\n    print('wrote')\nexcept OSError as error:\n    print(error.strerror)\n", { limits: { fileBytes: 64 * 1024 * 1024 } });
    expect(result.stdout).toBe('No space left on device\n');
  });

  it('reports a segfault as the signal it died of', async () => {
    const result = await run('import ctypes\nctypes.string_at(0)\n');
    expect(result.signal ?? (result.exitCode === 139 ? 'SIGSEGV' : null)).toBe('SIGSEGV');
  });

  it('keeps output that is not UTF-8, replaced, and goes on', async () => {
    const result = await run("import sys\nsys.stdout.buffer.write(b'\\xff\\xfe\\x80 fine\\n')\n");
    expect(result.stdout).toBe('\uFFFD\uFFFD\uFFFD fine\n');
    expect(result.end).toBe('exited');
  });

  it('is timed with its CPU and wall seconds apart, and says which limits applied', async () => {
    const result = await run('import time\nsum(range(3_000_000))\ntime.sleep(0.3)\n');
    expect(result.durationMs).toBeGreaterThan(0);
    if (result.cpuSeconds !== null) expect(result.cpuSeconds).toBeGreaterThan(0);
    expect(describeUsage(result)).toMatch(/^(CPU \d+\.\d\d s|CPU not measured \(no cgroup\)), wall \d+\.\d\d s, /);
    expect(statSync(root).isDirectory()).toBe(true);
  });
});
