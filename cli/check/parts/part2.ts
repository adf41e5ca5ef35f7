import { pmuProtocolOptions } from '../../../services/lab/index.js';
import { PmuTcpServer } from '../../../services/lab/pmu-tcp-server.js';

import { ALL_COURSE_ADDRESSES, type Context, type PartResult } from './context.js';
import { pmuClientPart } from './pmu-client.js';

/**
 * Part 2, every scenario the handout grades: CMD_short:0, plain and with the PMU writing small
 * slices (what separates splitting messages from printing reads), CMD_short:1 (the handout's
 * first paragraph asks for both), and CMD_floodme (Q14–Q16: the whole text displayed).
 */
export function part2(context: Context): Promise<PartResult> {
  const { config } = context;
  const { sliceBytes, sliceGapMs } = config.check;
  return pmuClientPart(context, {
    step: 'part2',
    emulator: 'pmu-tcp',
    port: config.lab.pmuTcp.port,
    scenarios: [
      { label: 'CMD_short:0', command: 'CMD_short:0', sliced: false },
      { label: `CMD_short:0 with the PMU writing ${sliceBytes}-byte slices ${sliceGapMs} ms apart`, command: 'CMD_short:0', sliced: true },
      { label: 'CMD_short:1', command: 'CMD_short:1', sliced: false },
      { label: 'CMD_floodme', command: 'CMD_floodme', sliced: false },
    ],
    server: (sliced, onSession) =>
      new PmuTcpServer(
        {
          ...pmuProtocolOptions(config.pmu),
          ...config.lab.pmuTcp,
          host: ALL_COURSE_ADDRESSES,
          sliceBytes: sliced ? sliceBytes : 0,
          sliceGapMs: sliced ? sliceGapMs : 0,
          sliceFlood: false,
          lingerMs: 500,
          drainMs: 1000,
          onSession,
        },
        context.logger,
      ),
  });
}
