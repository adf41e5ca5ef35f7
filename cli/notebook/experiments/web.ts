import { runPdc } from '../../../lib/clients/pdc.js';
import { pythonSuitesOffered } from '../../../lib/clients/hello-catcher.js';
import { runWsPdc } from '../../../lib/clients/ws-pdc.js';

import { type Experiment, measure, RANDOM_N, tlsOptions } from './types.js';

/** Parts 5 and 6: the PMU over WebSocket and over TLS. */
export const WEB: Experiment[] = [
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
        const python = version === 'TLSv1.3' && targets.python ? await pythonSuitesOffered(targets.python) : null;
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
