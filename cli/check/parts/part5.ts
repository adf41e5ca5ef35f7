import { pmuProtocolOptions } from '../../../services/lab/index.js';
import { PmuWsServer } from '../../../services/lab/pmu-ws-server.js';

import { ALL_COURSE_ADDRESSES, type Context, type PartResult } from './context.js';
import { pmuClientPart } from './pmu-client.js';

/** Part 5 over WebSocket: CMD_short:0, and CMD_floodme, with which the handout ends the part. */
export function part5(context: Context): Promise<PartResult> {
  const { config } = context;
  return pmuClientPart(context, {
    step: 'part5',
    emulator: 'pmu-ws',
    port: config.lab.pmuWs.port,
    scenarios: [
      { label: 'CMD_short:0 over WebSocket', command: 'CMD_short:0', sliced: false },
      { label: 'CMD_floodme over WebSocket', command: 'CMD_floodme', sliced: false },
    ],
    server: (_sliced, onSession) =>
      new PmuWsServer({ ...pmuProtocolOptions(config.pmu), ...config.lab.pmuWs, host: ALL_COURSE_ADDRESSES, drainMs: 1000, onSession }, context.logger),
  });
}
