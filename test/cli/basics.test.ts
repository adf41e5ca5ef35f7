import { type ChildProcess, spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, runCli, waitFor, withoutSocklabVariables } from '../helpers.js';

/** Starts a long-running socklab command and waits for the port it reports on stderr. */
async function start(args: string[]): Promise<{ child: ChildProcess; port: string; stdout: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: withoutSocklabVariables(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const port = await new Promise<string>((resolve) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /port (\d+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
  });
  return { child, port, stdout: () => stdout, exited };
}

describe('part 1: codes A, B, C and D', () => {
  it('udp send (code A) reaches udp listen (code B), which prints the data and the source address', async () => {
    const listener = await start(['udp', 'listen', '--host', '127.0.0.1', '--port', '0', '--count', '1']);
    const sent = await runCli(['udp', 'send', '--port', listener.port]);
    expect(sent).toMatchObject({ code: 0, stdout: 'Message sent\n' });
    expect(await listener.exited).toBe(0);
    expect(listener.stdout()).toMatch(/^Received data: {2}Hello, Romeo \nFrom Address: {2}\('127\.0\.0\.1', \d+\)\n$/);
  });

  it('echo send (code D) gets its line back from echo serve (code C) in 16-byte reads', async () => {
    const server = await start(['echo', 'serve', '--port', '0']);
    const client = await runCli(['echo', 'send', '--port', server.port]);
    expect(client.code).toBe(0);
    expect(client.stdout).toBe(
      [
        'sending: O Romeo, Romeo! wherefore art thou Romeo?',
        'received: O Romeo, Romeo! ',
        'received: wherefore art th',
        'received: ou Romeo?',
        '',
      ].join('\n'),
    );
    await waitFor('the server to see the close', () => server.stdout().includes('No more data'));
    expect(server.stdout()).toMatch(
      /^received: O Romeo, Romeo! \nreceived: wherefore art th\nreceived: ou Romeo\?\nreceived: \nNo more data from \('127\.0\.0\.1', \d+\)\n$/,
    );
    const json = await runCli(['echo', 'send', '--port', server.port, '--message', 'short', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ sent: 'short', received: 'short', reads: 1 });
  });

  it('echo send --hold keeps the connection open until Ctrl-C; the server reports the close then', async () => {
    const server = await start(['echo', 'serve', '--port', '0']);
    const client = await start(['echo', 'send', '--port', server.port, '--hold']); // resolves on "holding … port N …"
    await waitFor('the echo to be read', () => server.stdout().includes('received: ou Romeo?'));
    expect(server.stdout()).not.toContain('No more data');
    client.child.kill('SIGINT');
    expect(await client.exited).toBe(0);
    await waitFor('the server to see the close', () => server.stdout().includes('No more data from'));
  });

  it('echo serve --read-size N reads N bytes at a time (Q6)', async () => {
    const server = await start(['echo', 'serve', '--port', '0', '--read-size', '8']);
    const client = await runCli(['echo', 'send', '--port', server.port, '--message', 'sixteen bytes!!!']);
    expect(client.code).toBe(0);
    await waitFor('the server to see the close', () => server.stdout().includes('No more data'));
    expect(server.stdout()).toMatch(/^received: sixteen \nreceived: bytes!!!\nreceived: \nNo more data from /);
  });

  it('speaks IPv6 with --ipv6', async () => {
    const server = await start(['echo', 'serve', '--ipv6', '--port', '0']);
    const client = await runCli(['echo', 'send', '--ipv6', '--port', server.port, '--message', 'over six']);
    expect(client.stdout).toContain('received: over six');
  });
});
