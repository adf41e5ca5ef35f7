import { describe, expect, it } from 'vitest';
import { joinGroups, type MulticastDatagram, multicastSender } from '../../lib/multicast.js';
import { closeAfter, waitFor } from '../helpers.js';

describe('multicast helpers (loopback interface, TTL 1)', () => {
  it('joins two groups on one port, each socket getting only its own group, and sends to them', async () => {
    const received: MulticastDatagram[] = [];
    const membership = closeAfter(await joinGroups({ groups: ['224.1.1.1', '239.7.7.8'], port: 0, iface: '127.0.0.1', receiveBufferBytes: 1 << 20 }, (datagram) => received.push(datagram)));
    expect(membership.address).toMatchObject({ address: '224.1.1.1', port: membership.port });
    expect(membership.receiveBufferBytes).toBeGreaterThanOrEqual(1 << 20);
    const sender = closeAfter(await multicastSender({ iface: '127.0.0.1', ttl: 1 }));
    await sender.send(Buffer.from('to one'), '224.1.1.1', membership.port);
    await sender.send(Buffer.from('to two'), '239.7.7.8', membership.port);
    await waitFor('both datagrams', () => received.length === 2);
    expect(received.map((datagram) => [datagram.group, datagram.payload.toString(), datagram.address]).sort()).toEqual([
      ['224.1.1.1', 'to one', '127.0.0.1'],
      ['239.7.7.8', 'to two', '127.0.0.1'],
    ]);
  });

  it('closes idempotently, and a join that fails says which groups, port and interface', async () => {
    const membership = await joinGroups({ groups: ['224.1.1.1'], port: 0, iface: '127.0.0.1' }, () => undefined);
    await Promise.all([membership.close(), membership.close()]);
    await membership.close();
    const sender = await multicastSender({ iface: '127.0.0.1', ttl: 1 });
    await sender.close();
    await sender.close();
    await expect(joinGroups({ groups: ['224.1.1.1'], port: 0, iface: '192.0.2.1' }, () => undefined)).rejects.toThrow(
      /^cannot join 224\.1\.1\.1 on port 0 via 192\.0\.2\.1: /,
    );
  });
});
