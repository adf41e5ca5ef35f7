import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPdc } from '../../../lib/clients/pdc.js';

import { type Experiment, measure, RANDOM_N } from './types.js';

/** Part 2: the PDC over TCP, CMD_short:d and the flood. */
export const PMU_TCP: Experiment[] = [
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
];
