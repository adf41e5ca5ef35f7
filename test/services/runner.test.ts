import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pmuMessage } from '../../lib/pmu/command.js';
import { portOf, runCli, spawnService, waitFor } from '../helpers.js';
import { closeServer } from '../../lib/listen.js';

const ZERO_PORTS = ['--lab.pmuTcp.port', '0', '--lab.pmuUdp.port', '0', '--lab.tv.port', '0', '--lab.pmuWs.port', '0'];

/** `socklab service lab` as pm2 runs it, every part on a port the system chose, n fixed at 3. */
function spawnLab() {
  return spawnService(['service', 'lab', ...ZERO_PORTS, '--pmu.messagesMin', '3', '--pmu.messagesMax', '3']);
}

describe('service lifecycle', () => {
  it('signals ready once listening, then drains the sessions under way on SIGTERM and exits 0', async () => {
    const service = await spawnLab();
    await waitFor('the ready signal to pm2', () => service.ipc.includes('ready'));
    const port = portOf(service.endpoints.find((endpoint) => endpoint.startsWith('pmu-tcp'))!);

    // SIGTERM once the first of three messages (0.2 s apart) has come: the rest must still come.
    const received: Buffer[] = [];
    const client = net.connect({ host: '127.0.0.1', port }, () => client.write('CMD_short:0.2'));
    client.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise((resolve) => client.on('close', resolve));
    await waitFor('the first message', () => received.length > 0);
    service.child.kill('SIGTERM');
    await closed;
    expect(Buffer.concat(received).toString()).toBe([1, 2, 3].map(pmuMessage).join(''));
    expect(await service.exited).toBe(0);

    const messages = service.logLines().map((line) => line.message);
    expect(messages).toEqual(expect.arrayContaining(['listening', 'ready', 'stopping', 'session', 'stopped']));
    expect(messages.indexOf('session')).toBeLessThan(messages.indexOf('stopped'));
    for (const line of service.logLines()) expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('stops on SIGINT too', async () => {
    const service = await spawnLab();
    service.child.kill('SIGINT');
    expect(await service.exited).toBe(0);
  });

  it('logs a start failure and exits non-zero, so that pm2 restarts it', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => closeServer(blocker));
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
