import dgram from 'node:dgram';
import { judgeRetransmissions, type Judgement } from '../../../lib/check/judge.js';
import { type Evidence, type StepResult } from '../../../lib/check/report.js';
import { type ProgramRun } from '../../../lib/sandbox/program.js';
import { bindDatagram, closeSocket } from '../../../lib/listen.js';
import { recordingLogger } from '../../../lib/logger.js';
import { plural } from '../../../lib/words.js';
import { PmuUdpServer } from '../../../services/lab/pmu-udp-server.js';

import { clientVerdict, combine, type Context, hostsRunning, outputEvidence, settled, start } from './context.js';

/** The part 3 emulator drops this many requests before it answers, so that retransmissions are always seen. */
const DROPPED_FIRST = 2;

/** Drops the first `count` requests, then answers every one (PmuUdpServer draws a number to drop, then one for the offset). */
function dropFirst(count: number): () => number {
  let drops = count;
  let offsetNext = false;
  return () => {
    if (offsetNext) {
      offsetNext = false;
      return Math.random();
    }
    if (drops > 0) {
      drops -= 1;
      return 0;
    }
    offsetNext = true;
    return 0.99;
  };
}

/**
 * Part 3: an IPv4-only then an IPv6-only RESET server on every course host that runs one (the
 * handout's lab3.iw.epfl.ch, a later year's tcpip.epfl.ch), losing the first requests between
 * them; silent sockets on the other family's addresses see whether it is tried.
 */
export async function part3(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const { lab } = context.config;
  const results = [];
  const resetHosts = hostsRunning(context, 'pmu-udp');
  for (const family of ['IPv4', 'IPv6'] as const) {
    const label = `${family}-only server`;
    const { logger, records } = recordingLogger('check');
    const random = dropFirst(DROPPED_FIRST);
    const servers = resetHosts.flatMap((host) =>
      (family === 'IPv4' ? host.ipv4 : host.ipv6).map(
        (address) => new PmuUdpServer({ ...lab.pmuUdp, host4: family === 'IPv4' ? address : '', host6: family === 'IPv6' ? address : '', dropProbability: 0.5, schedule: [], family, random }, logger),
      ),
    );
    const otherAddresses = resetHosts.flatMap((host) => (family === 'IPv4' ? host.ipv6 : host.ipv4));
    const others = otherAddresses.map(() => (family === 'IPv4' ? dgram.createSocket({ type: 'udp6', ipv6Only: true }) : dgram.createSocket('udp4')));
    const otherTried: number[] = [];
    for (const other of others) other.on('message', () => otherTried.push(Date.now()));
    let run: ProgramRun;
    try {
      await Promise.all(servers.map((server) => server.listen()));
      await Promise.all(others.map((other, index) => bindDatagram(other, { address: otherAddresses[index]!, port: lab.pmuUdp.port })));
      run = await start(context, 'part3', []).finished;
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await Promise.all(others.map((other) => closeSocket(other)));
    }
    await settled();
    const requests = records().filter((record) => record.message === 'request');
    const answer = requests.find((record) => typeof record.reply === 'string');
    const reply = answer ? String(answer.reply) : null;
    const untilAnswer = requests.slice(0, answer ? requests.indexOf(answer) + 1 : requests.length).map((record) => Date.parse(String(record.timestamp)));
    const otherName = family === 'IPv4' ? 'IPv6' : 'IPv4';
    const evidence: Evidence[] = [
      {
        label: `${label}: the emulator saw`,
        text: [
          `${plural(requests.length, 'RESET request')} over ${family}; the first ${DROPPED_FIRST} dropped on purpose${reply ? `, then answered ${reply}` : ''}`,
          `${plural(otherTried.length, 'datagram')} to the ${otherName} address (nobody answers there)`,
        ].join('\n'),
      },
      ...outputEvidence(label, run, context),
    ];
    const offset = reply ? /OFFSET=(\d+)/.exec(reply)?.[1] : undefined;
    const printed = reply !== null && (run.stdout.includes(reply) || new RegExp(`(^|\\D)${offset}(\\D|$)`, 'm').test(run.stdout));
    const retransmissions = judgeRetransmissions(untilAnswer);
    let content: Judgement;
    if (requests.length === 0) content = { ok: false, reason: `no RESET request reached the ${family}-only server` };
    else if (!reply) content = { ok: false, reason: `never got past the lost requests: ${requests.length} sent, the first ${DROPPED_FIRST} are always lost` };
    else if (!printed) content = { ok: false, reason: `the server answered ${reply}, which the output does not show` };
    else if (!retransmissions.ok) content = retransmissions;
    else if (otherTried.length === 0) content = { ok: false, reason: `never tried ${otherName}: a client must send on both families (handout part 3)` };
    else content = { ok: true, reason: `${reply} shown, ${retransmissions.reason}, ${otherName} tried too` };
    results.push({ label, judgement: clientVerdict(context, run, content), evidence });
  }
  return combine('part3', results, startedAt);
}
