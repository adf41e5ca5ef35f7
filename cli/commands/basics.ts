import { type Command, Option } from 'commander';
import { printJson } from '../context.js';
import { ROMEO } from '../../lib/clients/echo.js';
import { terminalSafe } from '../../lib/terminal.js';
import { formatOption } from '../options.js';

interface Endpoint {
  host?: string;
  port: number;
  ipv6?: boolean;
}

function endpointOptions(command: Command, defaultPort: number, hostHelp: string): Command {
  return command
    .addOption(formatOption('--host <host>', hostHelp, 'host'))
    .addOption(formatOption('--port <port>', 'port', 'tcp-port').default(defaultPort))
    .addOption(new Option('--ipv6', 'use an IPv6 socket (AF_INET6) instead of IPv4'));
}

/** Waits for Ctrl-C (or SIGTERM), like the handout's endless loops. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

export function registerBasicsCommands(program: Command): void {
  const udp = program.command('udp').description('part 1.1: code A (send one datagram) and code B (print datagrams)');

  endpointOptions(udp.command('send'), 5001, 'destination (default localhost)')
    .description('code A: send one UDP datagram')
    .option('--message <text>', 'the datagram', 'Hello, Romeo ')
    .action(async (flags: Endpoint & { message: string }, cmd: Command) => {
      const { sendDatagram } = await import('../../lib/clients/udp-basics.js');
      const host = flags.host ?? (flags.ipv6 ? '::1' : '127.0.0.1');
      await sendDatagram({ host, port: flags.port, ipv6: flags.ipv6 === true }, flags.message);
      if (cmd.optsWithGlobals().json) printJson({ sent: flags.message, to: { host, port: flags.port } });
      else process.stdout.write('Message sent\n');
    });

  endpointOptions(udp.command('listen'), 5001, 'address to bind (default: every interface, as HOST = \'\')')
    .description('code B: print every datagram received and its source address, until Ctrl-C')
    .addOption(formatOption('--count <n>', 'stop after n datagrams', 'positive-count'))
    .action(async (flags: Endpoint & { count?: number }, cmd: Command) => {
      const { listenDatagrams } = await import('../../lib/clients/udp-basics.js');
      const { pythonAddress } = await import('../../lib/clients/recv.js');
      const json = cmd.optsWithGlobals().json === true;
      let received = 0;
      let done!: () => void;
      const counted = new Promise<void>((resolve) => (done = resolve));
      const listener = await listenDatagrams({ host: flags.host ?? '', port: flags.port, ipv6: flags.ipv6 === true }, (datagram) => {
        received += 1;
        const text = datagram.data.toString('utf8');
        if (json) process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), from: { address: datagram.address, port: datagram.port }, text })}\n`);
        else process.stdout.write(`Received data:  ${terminalSafe(text)}\nFrom Address:  ${pythonAddress(datagram.address, datagram.port)}\n`);
        if (flags.count !== undefined && received >= flags.count) done();
      });
      const interrupted = untilInterrupted(); // before saying so: whoever reads the line may press Ctrl-C at once
      process.stderr.write(`listening on UDP port ${listener.port}; Ctrl-C to stop\n`);
      await Promise.race([counted, interrupted]);
      await listener.close();
    });

  const echo = program.command('echo').description('part 1.2: code C (16-byte echo server) and code D (the Romeo client)');

  endpointOptions(echo.command('serve'), 5002, 'address to bind (default localhost)')
    .description('code C: echo every connection back, reading 16 bytes at a time, one connection at a time')
    .addHelpText(
      'after',
      `
SO_REUSEADDR: Node sets it on every listening TCP socket, as Code C does with setsockopt, so the
server restarts at once after Ctrl-C even while old connections sit in TIME_WAIT (see Q3–Q9 with
\`ss -tan '( sport = :5002 or dport = :5002 )'\` or \`netstat -an | grep 5002\`).`,
    )
    .addOption(formatOption('--read-size <bytes>', 'bytes per recv() call, as conn.recv(16) in code C (Q6)', 'positive-count').default(16))
    .action(async (flags: Endpoint & { readSize: number }) => {
      const { EchoServer } = await import('../../lib/echo-server.js');
      const { pythonAddress } = await import('../../lib/clients/recv.js');
      const host = flags.host ?? (flags.ipv6 ? '::1' : '127.0.0.1');
      const server = new EchoServer(
        { host, port: flags.port, readSize: flags.readSize },
        {
          onReceived: (_peer, text) => process.stdout.write(`received: ${terminalSafe(text)}\n`),
          onPeerClosed: (peer) => process.stdout.write(`No more data from ${pythonAddress(peer.address, peer.port)}\n`),
        },
      );
      const address = await server.listen();
      const interrupted = untilInterrupted(); // before saying so: whoever reads the line may press Ctrl-C at once
      process.stderr.write(`listening on ${address.address} port ${address.port}; Ctrl-C to stop\n`);
      await interrupted;
      await server.close();
    });

  endpointOptions(echo.command('send'), 5002, 'server (default localhost)')
    .description('code D: send the Romeo line and read the echo in 16-byte reads')
    .option('--message <text>', 'what to send', ROMEO)
    .option('--hold', 'keep the connection open until Ctrl-C, as code D\'s `while True: pass` (to observe it with ss or netstat)')
    .action(async (flags: Endpoint & { message: string; hold?: boolean }, cmd: Command) => {
      const { sendAndReadEcho } = await import('../../lib/clients/echo.js');
      const json = cmd.optsWithGlobals().json === true;
      if (!json) process.stdout.write(`sending: ${flags.message}\n`);
      const { socket, reads, received } = await sendAndReadEcho({
        host: flags.host ?? (flags.ipv6 ? '::1' : '127.0.0.1'),
        port: flags.port,
        ipv6: flags.ipv6 === true,
        message: flags.message,
        timeoutMs: 10_000,
        onReceived: json ? undefined : (text) => process.stdout.write(`received: ${terminalSafe(text)}\n`),
      });
      if (json) printJson({ sent: flags.message, received, reads });
      if (flags.hold) {
        const interrupted = untilInterrupted(); // before saying so: whoever reads the line may press Ctrl-C at once
        process.stderr.write(
          `holding the connection from ${socket.localAddress} port ${socket.localPort} to ${socket.remoteAddress} port ${socket.remotePort}; Ctrl-C to close\n`,
        );
        await interrupted;
      }
      socket.end();
    });
}
