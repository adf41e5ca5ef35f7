import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { socklabError } from '../../lib/errors.js';
import { terminalSafe } from '../../lib/terminal.js';
import { type CliContext, printJson } from '../context.js';
import { formatOption, settingOverrides } from '../options.js';
import { plural } from '../../lib/words.js';

interface ListenFlags {
  group?: string[];
  port?: number;
  iface?: string;
  count?: number;
  duration?: number;
}

interface SendFlags {
  id: string;
  group?: string;
  port?: number;
  iface?: string;
  ttl?: number;
  message?: string;
}

const Q20 = `
Socket options (Q20): SO_REUSEADDR so that several receivers share the port; bind to the group's
port (socklab binds to the group address itself, so each socket gets only its group); and
IP_ADD_MEMBERSHIP with the group and the address of the interface to join on (127.0.0.1 for the
emulated channel, the lab Wi-Fi interface's address for the course). A sender sets
IP_MULTICAST_IF (the interface), IP_MULTICAST_TTL (1: the local network only) and
IP_MULTICAST_LOOP (receivers on the same host hear it).`;

export function registerMcastCommands(program: Command, context: CliContext): void {
  const mcast = program.command('mcast').description('part 4: the multicast receiver and sender');

  mcast
    .command('listen')
    .description('join the group(s) and print every datagram: [sender ID] text and the sender\'s address')
    .addOption(formatOption('--group <address>', 'multicast group to join (repeat for several; default client.tv.group)', 'multicast-group', true))
    .addOption(formatOption('--port <port>', 'port (default client.tv.port, 5005)', 'tcp-port'))
    .addOption(formatOption('--iface <address>', 'address of the interface to join on (default client.tv.iface)', 'multicast-interface'))
    .addOption(formatOption('--count <n>', 'stop after n datagrams', 'positive-count'))
    .addOption(formatOption('--duration <seconds>', 'stop after this long', 'seconds'))
    .addHelpText('after', `${Q20}\n\n--json prints one JSON object a line: {"at", "from", "group", "id", "text", "bytes", "wellFormed"}.`)
    .action(async (flags: ListenFlags, cmd: Command) => {
      const { config } = await context.config(
        cmd,
        settingOverrides({ 'client.tv.port': flags.port, 'client.tv.iface': flags.iface }),
      );
      const groups = flags.group ?? [config.client.tv.group];
      const json = context.globals(cmd).json === true;
      const { joinGroups } = await import('../../lib/multicast.js');
      const { decodeTvDatagram } = await import('../../lib/tv.js');
      const { formatHostPort } = await import('../../lib/address.js');
      let received = 0;
      let finish!: () => void;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      const membership = await joinGroups({ groups, port: config.client.tv.port, iface: config.client.tv.iface }, (datagram) => {
        const decoded = decodeTvDatagram(datagram.payload);
        const from = formatHostPort(datagram.address, datagram.port);
        received += 1;
        if (json) {
          const line = { at: datagram.receivedAt.toISOString(), from, group: datagram.group, id: decoded.id, text: decoded.text, bytes: datagram.payload.length, wellFormed: decoded.wellFormed };
          process.stdout.write(`${JSON.stringify(line)}\n`);
        } else if (decoded.wellFormed) {
          process.stdout.write(terminalSafe(`[${decoded.id}] ${decoded.text}   (from ${from})\n`));
        } else {
          process.stdout.write(`[malformed, ${datagram.payload.length} bytes] ${terminalSafe(JSON.stringify(datagram.payload.toString('latin1')))}   (from ${from})\n`);
        }
        if (flags.count !== undefined && received >= flags.count) finish();
      });
      // Stop signals are taken before the line that says we listen: its reader may stop us at once.
      process.once('SIGINT', finish);
      process.once('SIGTERM', finish);
      process.stderr.write(`joined ${groups.join(', ')} on port ${membership.port} via ${config.client.tv.iface || 'the default interface'}; Ctrl-C to stop\n`);
      const timer = flags.duration !== undefined ? setTimeout(finish, flags.duration * 1000) : undefined;
      await finished;
      clearTimeout(timer);
      await membership.close();
      if (!json) process.stderr.write(`${plural(received, 'datagram')}\n`);
    });

  mcast
    .command('send')
    .description('send each line of stdin (or --message) as one datagram: the 6-byte ID, then the UTF-8 text')
    .addOption(formatOption('--id <id>', 'your sender ID: exactly 6 ASCII characters (a CAMIPRO number)', 'sender-id').makeOptionMandatory())
    .addOption(formatOption('--group <address>', 'multicast group (default client.tv.group)', 'multicast-group'))
    .addOption(formatOption('--port <port>', 'port (default client.tv.port, 5005)', 'tcp-port'))
    .addOption(formatOption('--iface <address>', 'address of the interface to send on (default client.tv.iface)', 'multicast-interface'))
    .addOption(formatOption('--ttl <ttl>', 'multicast TTL (default client.tv.ttl, 1)', 'ttl'))
    .option('--message <text>', 'send this one text instead of reading stdin')
    .addHelpText('after', `${Q20}\n\nQ22: a text of more than 300 characters makes the TV channel answer on the group, naming your ID;\nwatch for it with \`socklab mcast listen\` in another terminal.`)
    .action(async (flags: SendFlags, cmd: Command) => {
      const { config } = await context.config(
        cmd,
        settingOverrides({
          'client.tv.group': flags.group,
          'client.tv.port': flags.port,
          'client.tv.iface': flags.iface,
          'client.tv.ttl': flags.ttl,
        }),
      );
      const { group, port, iface, ttl } = config.client.tv;
      const { multicastSender, MAX_DATAGRAM_BYTES } = await import('../../lib/multicast.js');
      const { encodeTvDatagram } = await import('../../lib/tv.js');
      const encode = (text: string): Buffer => {
        const payload = encodeTvDatagram(flags.id, text);
        if (payload.length > MAX_DATAGRAM_BYTES) {
          throw socklabError(
            'SOCKLAB_ERR_USAGE',
            `a text of ${payload.length - 6} bytes does not fit in one datagram: at most ${MAX_DATAGRAM_BYTES - 6} bytes of UTF-8 after the 6-byte ID`,
          );
        }
        return payload;
      };
      const first = flags.message === undefined ? undefined : encode(flags.message);
      const sender = await multicastSender({ iface, ttl });
      let datagrams = 0;
      let bytes = 0;
      const send = async (payload: Buffer): Promise<void> => {
        await sender.send(payload, group, port);
        datagrams += 1;
        bytes += payload.length;
      };
      try {
        if (first) await send(first);
        else for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) await send(encode(line));
      } finally {
        await sender.close();
      }
      if (context.globals(cmd).json) printJson({ datagrams, bytes, group, port, iface, ttl });
      else process.stderr.write(`sent ${plural(datagrams, 'datagram')} (${plural(bytes, 'byte')}) to ${group}:${port} via ${iface || 'the default interface'}, TTL ${ttl}\n`);
    });
}
