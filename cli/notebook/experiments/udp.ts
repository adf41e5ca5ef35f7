import { resetExchange, resetSeries, resolveTargets } from '../../../lib/clients/reset.js';
import { joinGroups, multicastSender } from '../../../lib/multicast.js';
import { summarize } from '../../../lib/reset-stats.js';
import { CHANNEL_ID, decodeTvDatagram, encodeTvDatagram } from '../../../lib/tv.js';
import { localIso } from '../../../lib/words.js';

import { type Experiment, measure } from './types.js';

/** Parts 3 and 4: the RESET exchange and the multicast channel. */
export const UDP: Experiment[] = [
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
];
