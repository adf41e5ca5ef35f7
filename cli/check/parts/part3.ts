import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { judgeRetransmissions, type Judgement } from '../../../lib/check/judge.js';
import { describeLoad, startLoadMeter } from '../../../lib/check/load.js';
import { type Evidence } from '../../../lib/check/report.js';
import { bindDatagram, closeSocket } from '../../../lib/listen.js';
import { plural } from '../../../lib/words.js';
import { PmuUdpServer, type ResetRequestRecord } from '../../../services/lab/pmu-udp-server.js';

import { attemptsEvidence, clientVerdict, combine, type Context, type PartResult, hostsRunning, outputEvidence, runAdapting, settled, start } from './context.js';

/** The part 3 emulator drops this many requests before it answers, so that retransmissions are always seen. */
const DROPPED_FIRST = 2;
/** After the first answer, time for the program to show it before it is stopped (it may go on with the handout's 60-run experiment). */
const SHOW_ANSWER_MS = 2000;

interface Exchange {
  requests: ResetRequestRecord[];
  otherTried: number;
  /** Stopped by the checker once its first exchange was over, not for running too long. */
  stoppedAfterAnswer: boolean;
}

/** The OFFSET shown in the output: the reply itself, or its number on its own. */
function shows(output: string, reply: string): boolean {
  const offset = /OFFSET[=:](\d+)/.exec(reply)?.[1];
  return output.includes(reply) || (offset !== undefined && new RegExp(`(^|\\D)${offset}(\\D|$)`, 'm').test(output));
}

/**
 * Part 3: an IPv4-only then an IPv6-only RESET server on every course host that runs one (the
 * handout's lab3.iw.epfl.ch, a later year's tcpip.epfl.ch), losing the first requests between
 * them; silent sockets on the other family's addresses see whether it is tried. Each family is
 * judged on the first acknowledged exchange (OFFSET shown, retransmissions about 1 s apart, the
 * other family tried); then the program is stopped, so one that runs the handout's 60-run
 * experiment is not failed for taking long.
 */
export async function part3(context: Context): Promise<PartResult> {
  const startedAt = performance.now();
  const { lab } = context.config;
  const results = [];
  const resetHosts = hostsRunning(context, 'pmu-udp');
  for (const family of ['IPv4', 'IPv6'] as const) {
    const label = `${family}-only server`;
    const otherName = family === 'IPv4' ? 'IPv6' : 'IPv4';
    const meter = startLoadMeter();
    const values = { host: resetHosts[0]?.name ?? '', port: String(lab.pmuUdp.port) };
    const adapted = await runAdapting<Exchange>(context, 'part3', values, async (call) => {
      const exchange: Exchange = { requests: [], otherTried: 0, stoppedAfterAnswer: false };
      const servers = resetHosts.flatMap((host) =>
        (family === 'IPv4' ? host.ipv4 : host.ipv6).map(
          (address) =>
            new PmuUdpServer(
              { ...lab.pmuUdp, host4: family === 'IPv4' ? address : '', host6: family === 'IPv6' ? address : '', dropProbability: 0, dropFirst: DROPPED_FIRST, schedule: [], family, random: Math.random, onRequest: (record) => exchange.requests.push(record) },
              context.logger,
            ),
        ),
      );
      const otherAddresses = resetHosts.flatMap((host) => (family === 'IPv4' ? host.ipv6 : host.ipv4));
      const others = otherAddresses.map(() => (family === 'IPv4' ? dgram.createSocket({ type: 'udp6', ipv6Only: true }) : dgram.createSocket('udp4')));
      for (const other of others) other.on('message', () => (exchange.otherTried += 1));
      try {
        await Promise.all(servers.map((server) => server.listen()));
        await Promise.all(others.map((other, index) => bindDatagram(other, { address: otherAddresses[index]!, port: lab.pmuUdp.port })));
        const program = start(context, 'part3', call.args, { stdin: call.stdin });
        let exited = false;
        void program.finished.then(() => (exited = true));
        let answeredAt: number | null = null;
        while (!exited) {
          const answer = exchange.requests.find((request) => request.reply !== null);
          if (answer && answeredAt === null) answeredAt = performance.now();
          if (answer && (shows(program.stdoutSoFar(), answer.reply!) || performance.now() - answeredAt! > SHOW_ANSWER_MS)) {
            exchange.stoppedAfterAnswer = true;
            break;
          }
          await sleep(50);
        }
        const run = exchange.stoppedAfterAnswer ? await program.stop() : await program.finished;
        return { run, contacted: exchange.requests.length > 0, result: exchange };
      } finally {
        await Promise.all(servers.map((server) => server.close()));
        await Promise.all(others.map((other) => closeSocket(other)));
        await settled();
      }
    });
    const load = meter.stop();
    const { requests, otherTried, stoppedAfterAnswer } = adapted.result;
    const answer = requests.find((request) => request.reply !== null);
    const untilAnswer = requests.slice(0, answer ? requests.indexOf(answer) + 1 : requests.length).map((request) => request.at);
    const evidence: Evidence[] = [
      attemptsEvidence(label, adapted.attempts),
      {
        label: `${label}: the emulator saw`,
        text: [
          `${plural(requests.length, 'RESET request')} over ${family}; the first ${DROPPED_FIRST} dropped on purpose${answer ? `, then answered ${answer.reply}` : ''}`,
          `${plural(otherTried, 'datagram')} to the ${otherName} address (nobody answers there)`,
          ...(stoppedAfterAnswer ? ['the program was stopped once its first exchange was over'] : []),
          ...(load.loaded ? [`judged on a loaded machine (${describeLoad(load)}): the 1 s window widened by ${load.slackMs} ms`] : []),
        ].join('\n'),
      },
      ...outputEvidence(label, adapted.run, context),
    ];
    const retransmissions = judgeRetransmissions(untilAnswer, load.slackMs);
    let content: Judgement;
    if (requests.length === 0) content = { ok: false, reason: `no RESET request reached the ${family}-only server` };
    else if (!answer) content = { ok: false, reason: `never got past the lost requests: ${requests.length} sent, the first ${DROPPED_FIRST} are always lost` };
    else if (!shows(adapted.run.stdout, answer.reply!)) content = { ok: false, reason: `the server answered ${answer.reply}, which the output does not show` };
    else if (!retransmissions.ok) content = retransmissions;
    else if (otherTried === 0) content = { ok: false, reason: `never tried ${otherName}: a client must send on both families (handout part 3)` };
    else content = { ok: true, reason: `${answer.reply} shown, ${retransmissions.reason}, ${otherName} tried too` };
    if (adapted.noConvention) content = { ok: false, reason: `${adapted.noConvention}; ${content.reason}` };
    results.push({ label, judgement: clientVerdict(context, adapted.run, content, undefined, stoppedAfterAnswer), evidence });
  }
  return combine('part3', results, startedAt);
}
