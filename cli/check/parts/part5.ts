import { type StepResult } from '../../../lib/check/report.js';
import { type Logger } from '../../../lib/logger.js';
import { pmuProtocolOptions } from '../../../services/lab/index.js';
import { PmuWsServer } from '../../../services/lab/pmu-ws-server.js';

import { ALL_COURSE_ADDRESSES, combine, type Context, pmuClientRun } from './context.js';

/** Part 5: CMD_short:0 over WebSocket. */
export async function part5(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const { config } = context;
  const server = (logger: Logger) => new PmuWsServer({ ...pmuProtocolOptions(config.pmu), ...config.lab.pmuWs, host: ALL_COURSE_ADDRESSES, drainMs: 1000 }, logger);
  const result = await pmuClientRun(context, 'part5', 'CMD_short:0', 'CMD_short:0', server, context.timeoutMs);
  return combine('part5', [{ label: 'CMD_short:0 over WebSocket', ...result }], startedAt);
}
