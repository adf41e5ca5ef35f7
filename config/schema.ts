import type { CourseHost } from '../lib/campus/hosts.js';
import type { Convention } from '../lib/check/conventions.js';
import type { ScheduleWindow } from '../lib/family-schedule.js';

/**
 * The one configuration schema. Every key has a doc, a format and a default; `env` and `arg`
 * are derived from the key's path by `withSources` (lab.pmuTcp.port → SOCKLAB_LAB_PMU_TCP_PORT and
 * --lab.pmuTcp.port), so no key can be forgotten or spelled two ways.
 *
 * Defaults describe the `local` profile (the emulated lab on loopback). Keys that name the hosts
 * of the course default to null: each profile file must give them.
 */

/** docs/PROTOCOLS.md §PMU over UDP: IPv4 in even hours, IPv6 in odd hours, local time. */
function evenHoursIPv4(): ScheduleWindow[] {
  return Array.from({ length: 24 }, (_, hour) => ({
    from: `${String(hour).padStart(2, '0')}:00`,
    to: `${String(hour + 1).padStart(2, '0')}:00`,
    family: hour % 2 === 0 ? 'IPv4' : 'IPv6',
  }));
}

/** `check.conventions.*`: the ways a part's program is called, tried in order until one is not a usage error. */
function conventions(who: string, list: Convention[]) {
  return {
    doc: `\`socklab check\`: how ${who} is called, tried in order; a run that ends in a usage error (IndexError/ValueError on sys.argv, EOFError, a "usage:" line, exit 2 before reaching a server) moves on to the next. Each: {"args": [...], "stdin": "..."} with {command} {host} {port} {group} {id} {cert} {key} {menu} (1 CMD_short, 2 CMD_floodme) {delay} {lines}. One entry pins it for a class.`,
    format: 'calling-conventions',
    default: list,
  };
}

const schemaWithoutSources = {
  log: {
    level: {
      doc: 'Lowest level written to the logs.',
      format: ['error', 'warn', 'info', 'debug'],
      default: 'info' as 'error' | 'warn' | 'info' | 'debug',
    },
    format: {
      doc: 'Log line format: "auto" is human text on a terminal and JSON lines otherwise (pm2 logs).',
      format: ['auto', 'json', 'text'],
      default: 'auto' as 'auto' | 'json' | 'text',
    },
    dir: {
      doc: 'Folder for log files written besides standard output ("" for none), relative to the project root.',
      format: 'optional-path',
      default: '',
    },
    rotateBytes: {
      doc: 'A log file (ours under log.dir, or the pm2 log of the running app) is rotated once it exceeds this size.',
      format: 'positive-count',
      default: 10 * 1024 * 1024,
    },
    keepFiles: {
      doc: 'Rotated log files kept per log (older ones are deleted).',
      format: 'positive-count',
      default: 5,
    },
  },
  service: {
    shutdownTimeoutMs: {
      doc: 'Bound on a graceful shutdown (drain, flush, close stores) after SIGINT or SIGTERM; past it the process exits non-zero.',
      format: 'positive-count',
      default: 5000,
    },
  },
  /** The PMU protocol as the TCP, WebSocket and TLS PMU servers speak it (handout parts 2, 5, 6). */
  pmu: {
    messagesMin: {
      doc: 'Fewest messages "This is PMU data i" sent for CMD_short:d (n is drawn per session).',
      format: 'positive-count',
      default: 5,
    },
    messagesMax: {
      doc: 'Most messages sent for CMD_short:d; equal to messagesMin for a fixed n.',
      format: 'positive-count',
      default: 15,
    },
    maxIntervalSeconds: {
      doc: 'Largest d accepted in CMD_short:d.',
      format: 'seconds',
      default: 10,
    },
    maxCommandBytes: {
      doc: 'Longest command accepted, in bytes.',
      format: 'positive-count',
      default: 64,
    },
    commandGapMs: {
      doc: 'The handout\'s clients send the command without a newline: it is complete after a newline, at EOF, or after this quiet gap.',
      format: 'positive-count',
      default: 10,
    },
    idleTimeoutMs: {
      doc: 'A client that sends no complete command within this time gets an ERROR line.',
      format: 'positive-count',
      default: 10000,
    },
    floodBytes: {
      doc: 'Size of the CMD_floodme text, in bytes.',
      format: 'positive-count',
      default: 1024 * 1024,
    },
    firstMessageNumber: {
      doc: 'Number of the first message: 1 ("This is PMU data 1", as the handout writes), or 0 as a later year\'s server counted.',
      format: [0, 1],
      default: 1 as 0 | 1,
    },
    floodSeed: {
      doc: 'Seed of the generated flood text: the same seed and size give the same bytes.',
      format: 'count',
      default: 3,
    },
  },
  lab: {
    pmuTcp: {
      host: { doc: 'Address the PMU TCP emulator listens on.', format: 'ip-address', default: '127.0.0.1' },
      port: { doc: 'Port of the PMU TCP emulator.', format: 'tcp-port', default: 5003 },
      maxConnections: {
        doc: 'Connections held at once; idle ones (no command yet) are closed, oldest first, to make room, and only when every one is a session does a newcomer get "ERROR: server busy".',
        format: 'positive-count',
        default: 2000,
      },
      maxPendingPerAddress: {
        doc: 'Connections one address may hold before sending a command; past it, its oldest idle one is closed.',
        format: 'positive-count',
        default: 1000,
      },
      sliceBytes: {
        doc: 'Perturbation for robust clients (a grader\'s slicer): write every message and the flood in chunks of at most this many bytes, each its own write, Nagle off; 0 writes each whole.',
        format: 'count',
        default: 0,
      },
      sliceGapMs: {
        doc: 'With sliceBytes: time between two slices, so that a client reads each one on its own (a fast reader otherwise finds several slices waiting); 0 sends the next at once.',
        format: 'count',
        default: 0,
      },
    },
    pmuUdp: {
      host4: { doc: 'IPv4 address of the RESET server.', format: 'ipv4-address', default: '127.0.0.1' },
      host6: { doc: 'IPv6 address of the RESET server.', format: 'ipv6-address', default: '::1' },
      port: { doc: 'Port of the RESET server.', format: 'tcp-port', default: 5004 },
      dropProbability: {
        doc: 'Probability that a valid RESET:n is left unanswered on purpose.',
        format: 'probability',
        default: 0.3,
      },
      maxN: { doc: 'Largest n accepted in RESET:n.', format: 'count', default: 1000000 },
      offsetSeparator: {
        doc: 'The reply\'s separator: "=" as the handout (OFFSET=X), ":" as an earlier year\'s server answered (OFFSET:X). Requests stay strict: RESET:n in capitals, as the handout writes it.',
        format: ['=', ':'],
        default: '=' as '=' | ':',
      },
      schedule: {
        doc: 'Windows of local time {from, to, family} in which the server runs on that family; outside every window it is down.',
        format: 'schedule',
        default: evenHoursIPv4(),
      },
      family: {
        doc: '"schedule" follows lab.pmuUdp.schedule; "IPv4" or "IPv6" forces one family.',
        format: ['schedule', 'IPv4', 'IPv6'],
        default: 'schedule' as 'schedule' | 'IPv4' | 'IPv6',
      },
      receiveBufferBytes: {
        doc: 'Socket receive buffer, so that bursts of requests are not dropped by the kernel.',
        format: 'positive-count',
        default: 4 * 1024 * 1024,
      },
    },
    tv: {
      group: { doc: 'Multicast group of the TV channel.', format: 'multicast-group', default: '224.1.1.1' },
      port: { doc: 'Port of the TV channel.', format: 'tcp-port', default: 5005 },
      iface: {
        doc: 'Address of the interface the channel sends and listens on.',
        format: 'multicast-interface',
        default: '127.0.0.1',
      },
      ttl: { doc: 'Multicast TTL of the channel.', format: 'ttl', default: 1 },
      intervalMs: { doc: 'Time between two lines of the play.', format: 'positive-count', default: 1000 },
      replyThreshold: {
        doc: 'A subscriber datagram with more characters of text than this is answered on the group.',
        format: 'count',
        default: 300,
      },
      maxRepliesPerSecond: {
        doc: 'Most answers per second to one subscriber ID.',
        format: 'positive-count',
        default: 3,
      },
      receiveBufferBytes: {
        doc: 'Socket receive buffer, so that a burst of subscriber datagrams is not dropped by the kernel (capped by net.core.rmem_max).',
        format: 'positive-count',
        default: 4 * 1024 * 1024,
      },
    },
    pmuWs: {
      host: { doc: 'Address the PMU WebSocket emulator listens on.', format: 'ip-address', default: '127.0.0.1' },
      port: { doc: 'Port of the PMU WebSocket emulator.', format: 'tcp-port', default: 5006 },
      frames: {
        doc: 'How the answer is framed: "binary" as the course server does (websocket-client then hands on_message and recv() bytes, which students\' programs .decode()), or "text" (they get str, and .decode() fails).',
        format: ['binary', 'text'],
        default: 'binary' as 'binary' | 'text',
      },
      maxConnections: {
        doc: 'Connections served at once; more are closed with code 1013 (try again later).',
        format: 'positive-count',
        default: 2000,
      },
    },
  },
  client: {
    pmuTcp: {
      host: {
        doc: 'PMU over TCP that `socklab pdc` talks to (handout part 2).',
        format: 'host',
        default: null as string | null,
      },
      port: { doc: 'Port of that PMU.', format: 'tcp-port', default: 5003 },
    },
    pmuWs: {
      url: {
        doc: 'PMU over WebSocket that `socklab ws` talks to (handout part 5).',
        format: 'ws-url',
        default: null as string | null,
      },
    },
    tv: {
      group: { doc: 'Multicast group of `socklab mcast listen` and `mcast send` (handout part 4).', format: 'multicast-group', default: '224.1.1.1' },
      port: { doc: 'Port of that group.', format: 'tcp-port', default: 5005 },
      iface: {
        doc: 'Address of the interface to join and send on ("" lets the system choose).',
        format: 'multicast-interface',
        default: null as string | null,
      },
      ttl: { doc: 'Multicast TTL of `socklab mcast send`.', format: 'ttl', default: 1 },
    },
    tls: {
      host: { doc: 'TLS PMU that `socklab tls` talks to (handout part 6).', format: 'host', default: '127.0.0.1' },
      port: { doc: 'Port of that TLS PMU.', format: 'tcp-port', default: 5007 },
      ca: {
        doc: 'CA certificate that signed the server\'s (the course\'s cacert.pem; locally, the local CA).',
        format: 'file-path',
        default: 'certs/local-ca/cacert.pem',
      },
      servername: {
        doc: 'Name the server certificate must carry (SNI and host check); "" for the host itself.',
        format: 'text',
        default: 'localhost',
      },
    },
    timeoutSeconds: {
      doc: 'A client gives up when the server sends nothing for this long.',
      format: 'seconds',
      default: 30,
    },
  },
  tlsPmu: {
    host: { doc: 'Address the TLS PMU server listens on (unless tlsPmu.expose).', format: 'ip-address', default: '127.0.0.1' },
    port: { doc: 'Port of the TLS PMU server.', format: 'tcp-port', default: 5007 },
    expose: {
      doc: 'Host it for a grader on another machine: listen on every address of both families (instead of tlsPmu.host) and say on start where it can be reached and for which names its certificate is valid.',
      format: 'switch',
      default: false,
    },
    publicName: {
      doc: 'The name a grader uses to reach the TLS PMU, which its certificate must carry; "" for this machine\'s host name.',
      format: 'text',
      default: '',
    },
    key: { doc: 'PEM private key of the TLS PMU server.', format: 'file-path', default: 'certs/server_key.pem' },
    cert: { doc: 'PEM certificate of the TLS PMU server.', format: 'file-path', default: 'certs/server.cert.pem' },
    passphrase: {
      doc: 'Passphrase of the private key, if it is encrypted.',
      format: 'text',
      default: '',
      sensitive: true,
    },
    maxConnections: {
      doc: 'TCP connections held at once, handshakes included; idle or unfinished ones are closed, oldest first, to make room for a newcomer.',
      format: 'positive-count',
      default: 500,
    },
    maxPendingPerAddress: {
      doc: 'Connections one address may hold before sending a command; past it, its oldest unfinished one is closed.',
      format: 'positive-count',
      default: 250,
    },
    helloTimeoutMs: { doc: 'A connection that has sent nothing by then (a port scan, an idle squatter) is closed; one that stops part-way through its handshake is closed at tlsPmu.handshakeTimeoutMs.', format: 'positive-count', default: 5000 },
    handshakeTimeoutMs: { doc: 'A client that has not finished its TLS handshake by then is cut.', format: 'positive-count', default: 10000 },
    localCa: {
      doc: 'Local profile: folder of the local CA that `npm start` creates to sign the TLS PMU certificate when tlsPmu.key and tlsPmu.cert do not exist.',
      format: 'file-path',
      default: 'certs/local-ca',
    },
  },
  dashboard: {
    host: {
      doc: 'Address the dashboard listens on. Anything but loopback requires dashboard.token.',
      format: 'ip-address',
      default: '127.0.0.1',
    },
    port: { doc: 'Port of the dashboard (http://host:port/).', format: 'tcp-port', default: 5080 },
    token: {
      doc: 'A secret every request must carry (?token=… or Authorization: Bearer …); "" for none, allowed on loopback only.',
      format: 'text',
      default: '',
      sensitive: true,
    },
    days: { doc: 'Days of the prober\'s hour × day availability map.', format: 'positive-count', default: 14 },
    allowedHosts: {
      doc: 'Names the dashboard also answers to (the Host header a browser sends), beyond loopback and the address it listens on: e.g. the name of a reverse proxy in front of it. Any other Host is refused (DNS rebinding).',
      format: 'allowed-host-list',
      default: [] as string[],
    },
  },
  campus: {
    hosts: {
      doc: '`socklab campus`, `check` and `notebook`: the course hosts, each a name with its aliases, its addresses and the emulators it runs. The addresses are documentation ones (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32) so nothing could reach a real host; a program that hard-codes a real address works with `--alias ADDRESS=HOST`.',
      format: 'course-hosts',
      default: [
        { name: 'tcpip.epfl.ch', aliases: [], ipv4: ['192.0.2.10'], ipv6: ['2001:db8::10'], emulators: ['pmu-tcp', 'pmu-ws', 'tv', 'pmu-udp'] },
        { name: 'lab3.iw.epfl.ch', aliases: ['lab3.iew.epfl.ch'], ipv4: ['192.0.2.20'], ipv6: ['2001:db8::20'], emulators: ['pmu-udp'] },
      ] as CourseHost[],
    },
    mtu: {
      doc: '`socklab campus`: MTU of the links between the student hosts and the course network (1500: the course\'s Ethernet/Wi-Fi path, MSS 1448), with GSO/GRO sizes to match so captures show one packet per segment.',
      format: 'positive-count',
      default: 1500,
    },
  },
  check: {
    run: {
      doc: '`socklab check`: the command that runs a program, by file extension ("py", "js"…; a file without one is run by its #! line). Programs of other kinds are reported "not run".',
      format: 'command-map',
      default: { py: 'python3', js: 'node' } as Record<string, string>,
    },
    timeoutSeconds: {
      doc: '`socklab check`: a client program is stopped after this long (plus the time its command needs, e.g. n seconds for CMD_short:1) and fails as "did not exit".',
      format: 'positive-count',
      default: 20,
    },
    cpuSeconds: { doc: '`socklab check`: CPU time a program may use (RLIMIT_CPU).', format: 'positive-count', default: 20 },
    memoryBytes: {
      doc: '`socklab check`: memory a program may use, all its processes together (a cgroup where the machine lets socklab make one; elsewhere the address space of each process, RLIMIT_AS).',
      format: 'positive-count',
      default: 1024 * 1024 * 1024,
    },
    processes: {
      doc: '`socklab check`: processes a program may run at once (a cgroup\'s pids.max, else RLIMIT_NPROC), so that a fork bomb stops there.',
      format: 'positive-count',
      default: 64,
    },
    outputBytes: { doc: '`socklab check`: output kept from a program (stdout and stderr), above the size of the flood it must print (pmu.floodBytes); one that prints more is stopped.', format: 'positive-count', default: 4 * 1024 * 1024 },
    fileBytes: { doc: '`socklab check`: largest file a program may write in its scratch folder (RLIMIT_FSIZE).', format: 'positive-count', default: 16 * 1024 * 1024 },
    tmpfsBytes: {
      doc: '`socklab check`: size of a program\'s working folder and of each of its /tmp, /var/tmp and /dev/shm (tmpfs, gone after the run).',
      format: 'positive-count',
      default: 64 * 1024 * 1024,
    },
    maxUnpackedBytes: { doc: '`socklab check`: a zip that unpacks to more than this is refused, found while unpacking.', format: 'positive-count', default: 128 * 1024 * 1024 },
    sandboxUid: {
      doc: '`socklab check` as root: the highest of the users programs run as; each run leases its own below it (a lock file per uid in /run/socklab-sandbox-uids), so no two programs on the machine, of any check, share a user.',
      format: 'positive-count',
      default: 65000,
    },
    sliceBytes: {
      doc: '`socklab check`: the perturbed run of part 2 has the PMU write every message in slices of this many bytes (messages split across and merged within segments).',
      format: 'positive-count',
      default: 7,
    },
    sliceGapMs: {
      doc: '`socklab check`: time between two slices in the perturbed run of part 2, so that a client reads them one by one (as lab.pmuTcp.sliceGapMs).',
      format: 'count',
      default: 1,
    },
    listenSeconds: { doc: '`socklab check`: how long the part 4 receiver listens to the TV channel.', format: 'positive-count', default: 4 },
    conventions: {
      part2: conventions('part 2\'s client', [
        { args: ['{command}'], stdin: '{command}\n' },
        { args: ['{host}', '{port}', '{command}'] },
        { args: [] },
        { args: [], stdin: '{menu}\n{delay}\n' },
      ]),
      part3: conventions('part 3\'s client', [{ args: [] }, { args: ['{host}'] }, { args: ['{host}', '{port}'] }]),
      part4Receiver: conventions('part 4\'s receiver', [{ args: [] }, { args: ['{group}', '{port}'] }]),
      part4Sender: conventions('part 4\'s sender', [
        { args: ['{id}'], stdin: '{lines}' },
        { args: [], stdin: '{lines}' },
        { args: ['{group}', '{port}', '{id}'], stdin: '{lines}' },
        { args: ['{group}', '{port}'], stdin: '{lines}' },
        { args: [], stdin: '{id}\n{lines}' },
      ]),
      part5: conventions('part 5\'s client', [
        { args: ['{command}'], stdin: '{command}\n' },
        { args: ['{host}', '{port}', '{command}'] },
        { args: [] },
        { args: [], stdin: '{menu}\n{delay}\n' },
      ]),
      part6: conventions('part 6\'s server', [{ args: [] }, { args: ['{cert}', '{key}'] }, { args: ['{key}', '{cert}'] }]),
    },
    python: {
      doc: '`socklab check`, `campus`, `notebook` and `doctor`: the Python that runs students\' programs. "" takes the first `python3` on PATH that has the modules a part needs (websocket-client for part 5); the evidence names it and its version.',
      format: String,
      default: '',
    },
  },
  recorder: {
    groups: {
      doc: 'Multicast groups the recorder joins.',
      format: 'multicast-group-list',
      default: ['224.1.1.1'],
    },
    port: { doc: 'Port the recorder listens on.', format: 'tcp-port', default: 5005 },
    iface: {
      doc: 'Address of the interface the groups are joined on ("" lets the system choose).',
      format: 'multicast-interface',
      default: null as string | null,
    },
    db: { doc: 'SQLite store of the recorder.', format: 'file-path', default: 'data/recorder.db' },
    receiveBufferBytes: {
      doc: 'Socket receive buffer, so that a burst is not dropped while a batch is written (capped by net.core.rmem_max).',
      format: 'positive-count',
      default: 4 * 1024 * 1024,
    },
    batchMs: { doc: 'Longest a received datagram waits before its batch is committed.', format: 'positive-count', default: 100 },
    batchRows: { doc: 'Rows that make a batch commit at once, and most rows in one transaction.', format: 'positive-count', default: 1000 },
    maxPendingRows: {
      doc: 'Most datagrams held in memory while the store cannot take them (disk full); more are counted lost and logged.',
      format: 'positive-count',
      default: 50_000,
    },
  },
  prober: {
    hosts: {
      doc: 'Targets of the RESET prober: addresses, or names that resolve to every A and AAAA address.',
      format: 'host-list',
      default: null as string[] | null,
    },
    port: { doc: 'Port of the RESET server probed.', format: 'tcp-port', default: 5004 },
    n: { doc: 'n in RESET:n (the handout uses 20).', format: 'count', default: 20 },
    timeoutMs: {
      doc: 'Wait for OFFSET=X after each round of RESET:n (the handout uses 1 s).',
      format: 'positive-count',
      default: 1000,
    },
    maxRounds: {
      doc: 'Rounds per probe (and per `socklab reset` run) before it counts as unanswered.',
      format: 'positive-count',
      default: 20,
    },
    intervalSeconds: { doc: 'Time between two probes.', format: 'seconds', default: 60 },
    db: { doc: 'SQLite store of the prober.', format: 'file-path', default: 'data/prober.db' },
    maxPendingRows: {
      doc: 'Most probes held in memory while the store cannot take them (disk full); more are counted lost and logged.',
      format: 'positive-count',
      default: 10_000,
    },
  },
};

interface Leaf {
  doc: string;
  format: unknown;
  default: unknown;
  env?: string;
  arg?: string;
}

export function isLeaf(node: unknown): node is Leaf {
  return typeof node === 'object' && node !== null && 'default' in node;
}

export function envName(keyPath: string): string {
  return `SOCKLAB_${keyPath.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/\./g, '_').toUpperCase()}`;
}

function withSources<T extends object>(node: T, prefix = ''): T {
  return Object.fromEntries(
    Object.entries(node).map(([name, child]) => {
      const keyPath = prefix ? `${prefix}.${name}` : name;
      return [name, isLeaf(child) ? { ...child, env: envName(keyPath), arg: keyPath } : withSources(child as object, keyPath)];
    }),
  ) as T;
}

export const schema = withSources(schemaWithoutSources);

type Values<S> = { readonly [K in keyof S]: S[K] extends { default: infer D } ? NonNullable<D> : Values<S[K]> };

/** The validated configuration: keys defaulting to null are given by every profile, or validation fails. */
export type Config = Values<typeof schemaWithoutSources>;
