import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pythonAddress, readSocket } from '../../../lib/clients/recv.js';
import { closeServer } from '../../../lib/listen.js';

async function serverSending(payload: Buffer): Promise<number> {
  const server = net.createServer((socket) => socket.end(payload));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => closeServer(server));
  return (server.address() as net.AddressInfo).port;
}

function readAll(port: number, size: number | undefined): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1' });
    readSocket(socket, size, (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(chunks));
  });
}

describe('recv-style reads', () => {
  it('takes at most `size` bytes per read, like recv(16), and sees the end', async () => {
    const port = await serverSending(Buffer.alloc(100, 0x61));
    const chunks = await readAll(port, 16);
    expect(chunks.map((chunk) => chunk.length)).toEqual([16, 16, 16, 16, 16, 16, 4]);
  });

  it('reads whole data events without a size', async () => {
    const port = await serverSending(Buffer.alloc(100, 0x61));
    const chunks = await readAll(port, undefined);
    expect(Buffer.concat(chunks).length).toBe(100);
    expect(chunks.length).toBe(1);
  });

  it('prints addresses as Python does', () => {
    expect(pythonAddress('127.0.0.1', 5002)).toBe("('127.0.0.1', 5002)");
    expect(pythonAddress('::1', 5002)).toBe("('::1', 5002, 0, 0)");
  });
});
