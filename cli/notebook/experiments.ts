import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sendAndReadEcho } from '../../lib/clients/echo.js';
import { runPdc, type TlsClientOptions } from '../../lib/clients/pdc.js';
import { resetExchange, resetSeries, resolveTargets } from '../../lib/clients/reset.js';
import { pythonSuitesOffered } from '../../lib/clients/hello-catcher.js';
import { runWsPdc } from '../../lib/clients/ws-pdc.js';
import { EchoServer } from '../../lib/echo-server.js';
import { joinGroups, multicastSender } from '../../lib/multicast.js';
import { summarize } from '../../lib/reset-stats.js';
import { CHANNEL_ID, decodeTvDatagram, encodeTvDatagram } from '../../lib/tv.js';
import { localIso } from '../../lib/words.js';

/** Where the experiments send: the emulators, under the course names in the campus or on loopback. */
export interface Targets {
  pmuTcp: { host: string; port: number };
  pmuWsUrl: string;
  reset: { hosts: readonly string[]; port: number; n: number; timeoutMs: number; maxRounds: number };
  tv: { group: string; port: number; iface: string };
  tls: { host: string; port: number; ca: Buffer; servername: string };
  /** Where files the experiments keep go (the flood). */
  out: string;
  /** TLS session keys, for a capture's decryption (--pcap). */
  onKeylog?: (line: Buffer) => void;
}

/** The connection an experiment counted, to find it in a capture (--pcap). */
export interface Connection {
  serverPort: number;
  clientPort: number;
  /** The question socklab's count answers (the capture's count goes beside it). */
  question: string;
  /** What socklab counted on it: segments with payload from the server, or the TLS handshake's each way. */
  counted: { segments: number | null } | { toServer: number | null; fromServer: number | null };
}

/** The connection a picture of the capture is drawn from, and the client's reads on it (time in epoch seconds, bytes). */
export interface PictureFlow {
  serverPort: number;
  clientPort: number;
  reads?: Array<{ epoch: number; bytes: number }>;
}

export interface Measurement {
  /** The handout's question, "Q11". */
  question: string;
  name: string;
  value: number | string | boolean | null;
  unit: string;
}

export interface ExperimentResult {
  id: string;
  title: string;
  questions: string[];
  /** The command that measures the same by hand. */
  command: string;
  inputs: Record<string, unknown>;
  measurements: Measurement[];
  /** Where the emulator differs from the course's server, said beside the value. */
  notes: string[];
  connection?: Connection;
  flow?: PictureFlow;
  ok: boolean;
  error?: string;
  durationMs: number;
}

interface Experiment {
  id: string;
  /** The handout's part: `--parts` chooses by it. */
  part: number;
  title: string;
  questions: string[];
  command: string;
  run(targets: Targets): Promise<{ inputs: Record<string, unknown>; measurements: Measurement[]; notes?: string[]; connection?: Connection; flow?: PictureFlow }>;
}

const measure = (question: string, name: string, value: Measurement['value'], unit = ''): Measurement => ({ question, name, value, unit });
const RANDOM_N = 'n is random (5 to 15) on the emulator as on the course server: count the messages, do not expect a number';

/** TCP states of the connections on `port`, as `ss` lists them (Q5, Q7, Q9). */
function states(port: number): string[] {
  const result = spawnSync('ss', ['-tanH', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  return result.stdout.trim().split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[0]!);
}

function tlsOptions(targets: Targets, version: 'TLSv1.2' | 'TLSv1.3'): TlsClientOptions {
  return { ca: targets.tls.ca, servername: targets.tls.servername, rejectUnauthorized: true, securityLevel: 2, version, onKeylog: targets.onKeylog };
}

const EXPERIMENTS: Experiment[] = [
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
  ...(['CMD_short:0', 'CMD_short:1'] as const).map(
    (command): Experiment => ({
      id: `pdc-${command.slice(-1)}`,
      part: 2,
      title: `Part 2: ${command} over TCP`,
      questions: command === 'CMD_short:0' ? ['Q10', 'Q11', 'Q13', 'Q24'] : ['Q10', 'Q11'],
      command: `socklab pdc ${command} --json`,
      async run(targets) {
        const result = await runPdc({ ...targets.pmuTcp, command, timeoutMs: 30_000 });
        const d = `d = ${command.slice(-1)}`;
        return {
          inputs: { ...targets.pmuTcp, command, d: Number(command.slice(-1)) },
          measurements: [
            measure('Q10', `messages, ${d}`, result.messages.length, 'messages'),
            measure('Q11', `packets with payload from the PMU, ${d}`, result.segments, 'packets'),
            measure('Q10', `bytes, ${d}`, result.bytes, 'B'),
            measure('Q10', `duration, ${d}`, result.durationMs, 'ms'),
            ...(command === 'CMD_short:0'
              ? [
                  measure('Q13', 'every message whole, in order', result.messages.every((text, index) => text === `This is PMU data ${index + 1}`), ''),
                  measure('Q24', 'part 2, d = 0: reads by socklab\'s client (data events), to split into messages', result.reads, 'reads'),
                ]
              : []),
          ],
          notes: [RANDOM_N],
          connection: { serverPort: targets.pmuTcp.port, clientPort: result.localPort ?? 0, question: 'Q11', counted: { segments: result.segments } },
          flow: { serverPort: targets.pmuTcp.port, clientPort: result.localPort ?? 0 },
        };
      },
    }),
  ),
  {
    id: 'flood',
    part: 2,
    title: 'Part 2: CMD_floodme over TCP, read as it comes and with recv(1024)',
    questions: ['Q14', 'Q15', 'Q16'],
    command: 'socklab pdc CMD_floodme > flood.txt; socklab pdc CMD_floodme --recv-size 1024 --json',
    async run(targets) {
      const whole = await runPdc({ ...targets.pmuTcp, command: 'CMD_floodme', timeoutMs: 30_000 });
      const file = path.join(targets.out, 'flood.txt');
      writeFileSync(file, whole.messages[0] ?? '');
      const reads: Array<{ epoch: number; bytes: number }> = [];
      const small = await runPdc({ ...targets.pmuTcp, command: 'CMD_floodme', timeoutMs: 30_000, recvSize: 1024, onRead: (bytes) => reads.push({ epoch: (performance.timeOrigin + performance.now()) / 1000, bytes }) });
      return {
        inputs: { ...targets.pmuTcp, command: 'CMD_floodme', recvSize: [null, 1024] },
        measurements: [
          measure('Q14', 'bytes', whole.bytes, 'B'),
          measure('Q14', 'packets with payload from the PMU', whole.segments, 'packets'),
          measure('Q15', 'the flood, saved', path.basename(file), ''),
          measure('Q16', 'recv(1024) calls', small.reads, 'calls'),
          measure('Q16', 'packets with payload from the PMU, with recv(1024)', small.segments, 'packets'),
          measure('Q16', 'reads by socklab\'s client as data arrives (no size)', whole.reads, 'reads'),
          measure('Q25', 'part 2: recv(1024) calls for the flood', small.reads, 'calls'),
        ],
        notes: ['the emulator generates its own flood text (about 1 MiB): its bytes are not the course server\'s'],
        connection: { serverPort: targets.pmuTcp.port, clientPort: whole.localPort ?? 0, question: 'Q14', counted: { segments: whole.segments } },
        flow: { serverPort: targets.pmuTcp.port, clientPort: small.localPort ?? 0, reads },
      };
    },
  },
  {
    id: 'reset',
    part: 3,
    title: 'Part 3: the dual-stack RESET exchange, and 60 runs for the loss probability',
    questions: ['Q17', 'Q18'],
    command: 'socklab reset --json; socklab reset --runs 60 --concurrency 10 --json',
    async run(targets) {
      const { targets: addresses, problems } = await resolveTargets(targets.reset.hosts);
      if (addresses.length === 0) throw new Error(`no address for ${targets.reset.hosts.join(', ')}: ${problems.join('; ')}`);
      const options = { targets: addresses, port: targets.reset.port, n: targets.reset.n, timeoutMs: targets.reset.timeoutMs, maxRounds: targets.reset.maxRounds };
      const one = await resetExchange(options);
      const runs = await resetSeries({ ...options, runs: 60, concurrency: 10 });
      const summary = summarize(runs);
      return {
        inputs: { hosts: targets.reset.hosts, addresses: addresses.map((target) => target.address), port: targets.reset.port, n: targets.reset.n, timeoutMs: targets.reset.timeoutMs, runs: 60, concurrency: 10 },
        measurements: [
          measure('Q17', 'family that answered', one.family, ''),
          measure('Q17', 'offset', one.offset, ''),
          measure('Q17', 'at (UTC)', one.at, ''),
          measure('Q17', 'at (local time)', localIso(one.at), ''),
          measure('Q17', 'rounds', one.rounds, 'rounds'),
          measure('Q18', 'mean rounds per run', summary.meanRounds, 'rounds'),
          measure('Q18', 'loss probability p̂', summary.lossProbability, ''),
          measure('Q18', '95% confidence interval, low', summary.ci95[0], ''),
          measure('Q18', '95% confidence interval, high', summary.ci95[1], ''),
        ],
        notes: ['the emulator drops a request on purpose with probability lab.pmuUdp.dropProbability (0.3), and serves IPv4 in even hours, IPv6 in odd ones (local time)'],
      };
    },
  },
  {
    id: 'multicast',
    part: 4,
    title: 'Part 4: the multicast channel, and its answer to a message over 300 characters',
    questions: ['Q19', 'Q20', 'Q21', 'Q22'],
    command: 'socklab mcast listen --count 3; socklab mcast send --id 123456 --message "…350 characters…"',
    async run(targets) {
      const heard: Array<{ id: string; text: string; from: string }> = [];
      const membership = await joinGroups({ groups: [targets.tv.group], port: targets.tv.port, iface: targets.tv.iface }, (datagram) => {
        const decoded = decodeTvDatagram(datagram.payload);
        heard.push({ id: decoded.id, text: decoded.text, from: `${datagram.address}:${datagram.port}` });
      });
      const sender = await multicastSender({ iface: targets.tv.iface, ttl: 1 });
      try {
        const long = 'O Romeo! '.repeat(39).trim(); // 350 characters
        await sender.send(encodeTvDatagram('123456', long), targets.tv.group, membership.port);
        const deadline = Date.now() + 8000;
        const channel = () => heard.filter((datagram) => datagram.id === CHANNEL_ID);
        while ((channel().length < 3 || !channel().some((datagram) => datagram.text.includes('123456'))) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const answer = channel().find((datagram) => datagram.text.includes('123456'));
        return {
          inputs: { group: targets.tv.group, port: targets.tv.port, iface: targets.tv.iface || 'system default', ttl: 1, sentCharacters: [...long].length },
          measurements: [
            measure('Q19', 'channel datagrams heard', channel().length, 'datagrams'),
            measure('Q19', 'a channel line', channel().find((datagram) => !datagram.text.includes('123456'))?.text ?? null, ''),
            measure('Q20', 'receiver socket options', 'SO_REUSEADDR; bind to the group\'s port; IP_ADD_MEMBERSHIP on the interface', ''),
            measure('Q21', 'sender socket options', 'IP_MULTICAST_IF, IP_MULTICAST_TTL 1, IP_MULTICAST_LOOP', ''),
            measure('Q22', 'the channel answered the 350-character message', answer !== undefined, ''),
            measure('Q22', 'its answer', answer?.text ?? null, ''),
          ],
          notes: ['the emulator broadcasts a play written for socklab and answers in its own words: the texts are not the course channel\'s'],
        };
      } finally {
        await sender.close();
        await membership.close();
      }
    },
  },
  ...(['CMD_short:0', 'CMD_floodme'] as const).map(
    (command): Experiment => ({
      id: `ws-${command === 'CMD_floodme' ? 'flood' : '0'}`,
      part: 5,
      title: `Part 5: ${command} over WebSocket`,
      questions: command === 'CMD_floodme' ? ['Q25'] : ['Q23', 'Q24'],
      command: `socklab ws ${command} --json`,
      async run(targets) {
        const result = await runWsPdc({ url: targets.pmuWsUrl, command, timeoutMs: 30_000 });
        const port = Number(new URL(targets.pmuWsUrl).port || 80);
        const flow = { serverPort: port, clientPort: result.localPort ?? 0 };
        if (command === 'CMD_floodme') {
          return {
            inputs: { url: targets.pmuWsUrl, command },
            measurements: [
              measure('Q25', 'packets with payload from the server, the flood (HTTP 101 and close frame included)', result.segments, 'packets'),
              measure('Q25', 'message events (on_message) for the flood', result.events, 'events'),
              measure('Q25', 'bytes of the flood', result.bytes, 'B'),
            ],
            flow,
          };
        }
        return {
          inputs: { url: targets.pmuWsUrl, command },
          measurements: [
            measure('Q23', 'packets with payload from the server, CMD_short:0 (HTTP 101 and close frame included)', result.segments, 'packets'),
            measure('Q24', 'message events (on_message)', result.events, 'events'),
            measure('Q24', 'messages', result.messages.length, 'messages'),
          ],
          notes: [RANDOM_N],
          flow,
        };
      },
    }),
  ),
  ...(['TLSv1.3', 'TLSv1.2'] as const).map(
    (version): Experiment => ({
      id: `tls-${version.slice(-3)}`,
      part: 6,
      title: `Part 6: the TLS PMU over ${version}`,
      questions: ['Q26', 'Q27', 'Q28', 'Q29'],
      command: `socklab tls CMD_short:0 --tls-version ${version.slice(-3)} --json --keylog keys.log`,
      async run(targets) {
        const result = await runPdc({ host: targets.tls.host, port: targets.tls.port, command: 'CMD_short:0', timeoutMs: 30_000, tls: tlsOptions(targets, version) });
        const session = result.tls!;
        // What a student sees in Wireshark is their own client's ClientHello: Python's, as the grader builds it.
        const python = version === 'TLSv1.3' ? await pythonSuitesOffered() : null;
        return {
          inputs: { host: targets.tls.host, port: targets.tls.port, servername: targets.tls.servername, version, securityLevel: 2 },
          measurements: [
            measure('Q26', 'handshake segments with payload to the server', session.handshakeSegments.toServer, 'segments'),
            measure('Q26', 'handshake segments with payload from the server', session.handshakeSegments.fromServer, 'segments'),
            ...(python ? [measure('Q27', `cipher suites offered by Python's client, SSLContext(PROTOCOL_SSLv23) as the grader (${python.interpreter})`, python.suites, 'suites')] : []),
            measure('Q27', `cipher suites offered by socklab's client (${version} only)`, session.suitesOffered, 'suites'),
            measure('Q27', 'cipher suite agreed', session.cipherStandardName, ''),
            measure('Q28', 'key exchange', session.keyExchange, ''),
            measure('Q28', 'server signature algorithm', session.signatureAlgorithm, ''),
            measure('Q28', 'server key', session.serverKey, ''),
            measure('Q29', 'record cipher', session.recordCipher, ''),
            measure('Q29', 'record integrity', session.recordIntegrity, ''),
            measure('Q26', 'messages', result.messages.length, 'messages'),
          ],
          notes: [
            'the TLS PMU is socklab\'s, with the key and certificate it was given (locally, the local CA\'s)',
            ...(version === 'TLSv1.3' && !python ? ['no python3 here: the suites your own Python client offers could not be counted'] : []),
            'suites offered leave out TLS_EMPTY_RENEGOTIATION_INFO_SCSV, a signal Wireshark lists among them',
          ],
          connection: { serverPort: targets.tls.port, clientPort: result.localPort ?? 0, question: 'Q26', counted: session.handshakeSegments },
          flow: { serverPort: targets.tls.port, clientPort: result.localPort ?? 0 },
        };
      },
    }),
  ),
];

/** Runs every experiment at once (none disturbs another's counts: each counts its own connection); one failing does not stop the others. */
export async function runExperiments(targets: Targets, parts: ReadonlySet<number>, onDone: (result: ExperimentResult) => void): Promise<ExperimentResult[]> {
  return Promise.all(
    EXPERIMENTS.filter((experiment) => parts.has(experiment.part)).map(async (experiment) => {
      const started = performance.now();
      const base = { id: experiment.id, title: experiment.title, questions: experiment.questions, command: experiment.command };
      let result: ExperimentResult;
      try {
        const { inputs, measurements, notes = [], connection, flow } = await experiment.run(targets);
        result = { ...base, inputs, measurements, notes, ...(connection ? { connection } : {}), ...(flow ? { flow } : {}), ok: true, durationMs: Math.round(performance.now() - started) };
      } catch (error) {
        result = { ...base, inputs: {}, measurements: [], notes: [], ok: false, error: (error as Error).message, durationMs: Math.round(performance.now() - started) };
      }
      onDone(result);
      return result;
    }),
  );
}

/** Round-trip time of a TCP connect to the PMU, median of 5 (the environment block). */
export async function connectRtt(host: string, port: number): Promise<number> {
  const samples: number[] = [];
  for (let index = 0; index < 5; index += 1) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port }, () => {
        samples.push(performance.now() - started);
        socket.destroy();
        resolve();
      });
      socket.on('error', reject);
    });
  }
  return Math.round([...samples].sort((a, b) => a - b)[2]! * 1000) / 1000;
}
