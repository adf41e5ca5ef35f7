import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ConnectionAdmission } from '../../lib/admission.js';

/** `count` loopback connections, as the server and the client see them. */
async function connections(count: number): Promise<Array<{ server: net.Socket; client: net.Socket }>> {
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const clients: net.Socket[] = [];
  for (let index = 0; index < count; index += 1) {
    const client = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    clients.push(client);
    while (accepted.length <= index) await new Promise((resolve) => setImmediate(resolve));
  }
  onTestFinished(async () => {
    for (const socket of [...accepted, ...clients]) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return accepted.map((socket, index) => ({ server: socket, client: clients[index]! }));
}

describe('ConnectionAdmission', () => {
  it('finds the connection held from a peer by its address and port', async () => {
    const pairs = await connections(3);
    const admission = new ConnectionAdmission({ maxConnections: 10, maxPendingPerAddress: 10 });
    for (const { server } of pairs) expect(admission.admit(server)).toBe(true);
    const second = pairs[1]!;
    expect(admission.heldFrom('127.0.0.1', second.client.localPort)).toBe(second.server);
    expect(admission.heldFrom('127.0.0.2', second.client.localPort)).toBeUndefined();
    expect([...admission.connections]).toEqual(pairs.map(({ server }) => server));
  });

  it('lists the pending connections admitted before a time, oldest first, settled ones left out', async () => {
    const pairs = await connections(3);
    const admission = new ConnectionAdmission({ maxConnections: 10, maxPendingPerAddress: 10 });
    admission.admit(pairs[0]!.server);
    admission.admit(pairs[1]!.server);
    const between = performance.now();
    while (performance.now() === between) await new Promise((resolve) => setImmediate(resolve));
    admission.admit(pairs[2]!.server);
    expect([...admission.pendingAdmittedBefore(between)]).toEqual([pairs[0]!.server, pairs[1]!.server]);
    admission.settle(pairs[0]!.server);
    expect([...admission.pendingAdmittedBefore(between)]).toEqual([pairs[1]!.server]);
    expect([...admission.pendingAdmittedBefore(performance.now())]).toEqual([pairs[1]!.server, pairs[2]!.server]);
  });
});
