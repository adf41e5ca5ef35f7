import net from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { closeServer, listen } from '../../lib/listen.js';
import { dataSegments, dataSegmentsIn } from '../../lib/tcp-info.js';

describe('dataSegments (TCP_INFO through ss)', () => {
  it('counts the segments with payload each way, one per write when writes wait for their ACK', async () => {
    const writes = ['one', 'two', 'three'];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      socket.setNoDelay(true);
      socket.once('data', () => {
        const next = (index: number): void => {
          if (index === writes.length) return void socket.end();
          socket.write(writes[index]!, () => setImmediate(() => next(index + 1)));
        };
        next(0);
      });
    });
    const { port } = await listen(server, { host: '127.0.0.1', port: 0 });
    onTestFinished(() => closeServer(server));
    const counts = await new Promise<ReturnType<typeof dataSegments>>((resolve) => {
      const client = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => client.write('go'));
      let received = '';
      client.on('data', (chunk: Buffer) => (received += chunk.toString()));
      client.on('end', () => {
        expect(received).toBe(writes.join(''));
        resolve(dataSegments(client)); // after the peer's FIN, before our own close
        client.end();
      });
    });
    expect(counts.out).toBe(1);
    expect(counts.in).toBeGreaterThanOrEqual(1); // loopback may merge writes into one segment
    expect(counts.in).toBeLessThanOrEqual(writes.length);
  });

  it('says why when the socket is gone', async () => {
    const socket = new net.Socket();
    expect(dataSegmentsIn(socket)).toEqual({ segments: null, note: 'the socket is already closed' });
  });
});
