import { type ChildProcess, fork } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pmuMessage } from '../../lib/pmu/command.js';
import { CLI, runCli, tcpExchange, withoutSocklabVariables } from '../helpers.js';

const ZERO_PORTS = ['--lab.pmuTcp.port', '0', '--lab.pmuUdp.port', '0', '--lab.tv.port', '0', '--lab.pmuWs.port', '0'];

interface Spawned {
  child: ChildProcess;
  logLines: () => Array<Record<string, unknown>>;
  exited: Promise<number | null>;
}

/** Starts `socklab service lab` as pm2 would: a child with an IPC channel, JSON log lines on stdout. */
function spawnService(extra: string[] = []): Spawned {
  const child = fork(CLI, ['service', 'lab', ...ZERO_PORTS, '--pmu.messagesMin', '3', '--pmu.messagesMax', '3', ...extra], {
    env: withoutSocklabVariables(process.env),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    logLines: () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function readySignal(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready`)));
  });
}

function portOf(lines: Array<Record<string, unknown>>, part: string): number {
  const ready = lines.find((line) => line.message === 'ready') as { endpoints: string[] };
  const endpoint = ready.endpoints.find((line) => line.startsWith(part))!;
  return Number(/:(\d+)/.exec(endpoint)![1]);
}

describe('service lifecycle', () => {
  it('signals ready once listening, then drains the sessions under way on SIGTERM and exits 0', async () => {
    const service = spawnService();
    expect(await readySignal(service.child)).toBe('ready');
    const port = portOf(service.logLines(), 'pmu-tcp');

    const answer = tcpExchange(port, 'CMD_short:0.2');
    await new Promise((resolve) => setTimeout(resolve, 100));
    service.child.kill('SIGTERM');
    expect((await answer).data.toString()).toBe([1, 2, 3].map(pmuMessage).join(''));
    expect(await service.exited).toBe(0);

    const messages = service.logLines().map((line) => line.message);
    expect(messages).toEqual(expect.arrayContaining(['listening', 'ready', 'stopping', 'session', 'stopped']));
    expect(messages.indexOf('session')).toBeLessThan(messages.indexOf('stopped'));
    for (const line of service.logLines()) expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('stops on SIGINT too', async () => {
    const service = spawnService();
    await readySignal(service.child);
    service.child.kill('SIGINT');
    expect(await service.exited).toBe(0);
  });

  it('logs a start failure and exits non-zero, so that pm2 restarts it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const busyPort = (blocker.address() as net.AddressInfo).port;
    const run = await runCli(['lab', '--only', 'pmu-tcp', '--lab.pmuTcp.port', String(busyPort), '--log.format', 'json']);
    expect(run.code).toBe(1);
    const failure = run.stdout
      .split('\n')
      .concat(run.stderr.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.message === 'could not start');
    expect(failure).toMatchObject({ level: 'error', service: 'lab' });
    expect(String(failure!.error)).toContain('EADDRINUSE');
  });
});
