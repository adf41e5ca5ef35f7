import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { closeServer, listen } from '../../lib/listen.js';
import { pmuMessage } from '../../lib/pmu/command.js';
import { floodText } from '../../lib/pmu/flood.js';
import { PmuTcpServer } from '../../services/lab/pmu-tcp-server.js';
import { PmuWsServer } from '../../services/lab/pmu-ws-server.js';
import { closeAfter, memoryLogger, pmuTestOptions, refusingTcpPort, runCli } from '../helpers.js';

const FLOOD = floodText(300 * 1024, 1);
const pmu = { ...pmuTestOptions(FLOOD), host: '127.0.0.1', port: 0, maxConnections: 10 };
const FIVE = [1, 2, 3, 4, 5].map(pmuMessage);

async function tcpEmulator(): Promise<string> {
  const server = closeAfter(new PmuTcpServer(pmu, memoryLogger().logger));
  return String((await server.listen()).port);
}

describe('socklab pdc and socklab ws', () => {
  it('pdc prints each message on its own line and one summary line on stderr', async () => {
    const port = await tcpEmulator();
    const run = await runCli(['pdc', 'CMD_short:0', '--port', port]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${FIVE.join('\n')}\n`);
    expect(run.stderr).toMatch(/^5 messages, (1 read|\d+ reads), (1 segment|\d+ segments) with payload from the server, 90 bytes, [\d.]+ ms\n$/);
  });

  it('pdc --json prints the documented shape (docs/PROTOCOLS.md)', async () => {
    const port = await tcpEmulator();
    const run = await runCli(['pdc', 'CMD_short:0', '--port', port, '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ command: 'CMD_short:0', transport: 'tcp', messages: FIVE, bytes: 90 });
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['reads', 'segments', 'durationMs']));
    expect(typeof result.segments).toBe('number');
  });

  it('pdc streams the flood to stdout', async () => {
    const port = await tcpEmulator();
    const run = await runCli(['pdc', 'CMD_floodme', '--port', port, '--recv-size', '1024']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(FLOOD.toString());
    expect(run.stderr).toMatch(/^1 flood text, \d+ reads, /);
  });

  it('pdc exits 1 on an ERROR answer or a refused connection, 2 on a bad flag', async () => {
    const port = await tcpEmulator();
    const answered = await runCli(['pdc', 'CMD_short:-1', '--port', port]);
    expect(answered.code).toBe(1);
    expect(answered.stdout).toBe('');
    expect(answered.stderr).toMatch(/^socklab: the server answered: ERROR: interval "-1" .*\n$/);
    const refused = await runCli(['pdc', 'CMD_short:0', '--port', String(await refusingTcpPort())]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refused');
    const bad = await runCli(['pdc', 'CMD_short:0', '--port', 'seventy']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("socklab: option '--port <port>' argument 'seventy' is invalid. must be a port number from 0 to 65535.");
  });

  it('pdc and tls exit 1, saying why, when no PMU answer came: nothing sent, junk, or no TLS session', async () => {
    const answering = async (answer: (socket: net.Socket) => void) => {
      const server = net.createServer({ allowHalfOpen: true }, (socket) => {
        socket.resume(); // read what the client sends, or its FIN never comes through
        answer(socket);
      });
      const { port } = await listen(server, { host: '127.0.0.1', port: 0 });
      onTestFinished(() => closeServer(server));
      return String(port);
    };
    const silentClose = await answering((socket) => socket.end());
    const nothing = await runCli(['pdc', 'CMD_short:0', '--port', silentClose]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/\nsocklab: the server closed the connection without sending anything\n$/);

    const junk = await runCli(['pdc', 'CMD_short:0', '--port', await answering((socket) => socket.end('hello, I am not a PMU'))]);
    expect(junk.code).toBe(1);
    expect(junk.stdout).toBe('[unexpected data] "hello, I am not a PMU"\n'); // what came is still shown
    expect(junk.stderr).toMatch(/\nsocklab: 21 bytes of the answer are not PMU messages \("This is PMU data i"\); shown as \[unexpected data\]\n$/);

    const tls = await runCli(['tls', 'CMD_short:0', '--port', silentClose, '--insecure']);
    expect(tls.code).toBe(1);
    expect(tls.stderr).toContain(`127.0.0.1:${silentClose} closed the connection before the TLS handshake completed: no TLS session was set up`);
    expect(tls.stderr).not.toContain('0 messages');
  });

  it('ws prints each message event, and --json gives events and the close', async () => {
    const server = closeAfter(new PmuWsServer(pmu, memoryLogger().logger));
    const url = `ws://127.0.0.1:${(await server.listen()).port}`;
    const plain = await runCli(['ws', 'CMD_short:0', '--url', url]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`${FIVE.join('\n')}\n`);
    expect(plain.stderr).toMatch(/^5 message events, 90 bytes, \d+ segments with payload from the server, closed with 1000, /);
    const flood = await runCli(['ws', 'CMD_floodme', '--url', url]);
    expect(flood.stdout).toBe(FLOOD.toString()); // as the server sent it: no newline added
    expect(flood.stderr).toMatch(/^1 message event, /);
    const json = await runCli(['ws', 'CMD_floodme', '--url', url, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ transport: 'ws', events: 1, bytes: FLOOD.length, close: { code: 1000 } });
    const refused = await runCli(['ws', 'HELLO', '--url', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('closed with code 1008');
    expect((await runCli(['ws', 'CMD_short:0', '--url', 'http://x'])).code).toBe(2);
  });
});
