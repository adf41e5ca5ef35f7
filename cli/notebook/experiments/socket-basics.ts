import { sendAndReadEcho } from '../../../lib/clients/echo.js';
import { EchoServer } from '../../../lib/echo-server.js';

import { type Experiment, measure, states } from './types.js';

/** Part 1.2: the echo server and client. */
export const SOCKET_BASICS: Experiment[] = [
  {
    id: 'echo',
    part: 1,
    title: 'Part 1.2: the echo server (code C) and the Romeo client (code D)',
    questions: ['Q2', 'Q4', 'Q5', 'Q6', 'Q7', 'Q9'],
    command: 'socklab echo serve & socklab echo send --hold; ss -tan',
    async run() {
      const received: string[] = [];
      let peerClosed = false;
      const server = new EchoServer({ host: '127.0.0.1', port: 0, readSize: 16 }, { onReceived: (_peer, text) => received.push(text), onPeerClosed: () => (peerClosed = true) });
      const { port } = await server.listen();
      try {
        const message = 'O Romeo, Romeo! wherefore art thou Romeo?';
        const echo = await sendAndReadEcho({ host: '127.0.0.1', port, ipv6: false, message, timeoutMs: 5000 });
        const held = states(port);
        echo.socket.end();
        await new Promise((resolve) => echo.socket.once('close', resolve));
        const closed = states(port);
        return {
          inputs: { host: '127.0.0.1', port, message, serverReadSize: 16, clientReadSize: 16 },
          measurements: [
            measure('Q2', 'bytes sent', Buffer.byteLength(message), 'B'),
            measure('Q6', 'reads by the server (16-byte recv)', received.filter(Boolean).length, 'reads'),
            measure('Q6', 'reads by the client (16-byte recv)', echo.reads, 'reads'),
            measure('Q5', 'states while the client holds the connection', held.join(', '), ''),
            measure('Q7', 'states after the client closed', closed.join(', '), ''),
            measure('Q9', 'the server saw the close (recv returned b"")', peerClosed || received.at(-1) === '', ''),
            measure('Q4', 'SO_REUSEADDR on the listening socket', true, ''),
          ],
        };
      } finally {
        await server.close();
      }
    },
  },
];
