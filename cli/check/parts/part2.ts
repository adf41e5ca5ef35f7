import { type StepResult } from '../../../lib/check/report.js';
import { type Logger } from '../../../lib/logger.js';
import { pmuProtocolOptions } from '../../../services/lab/index.js';
import { PmuTcpServer } from '../../../services/lab/pmu-tcp-server.js';

import { ALL_COURSE_ADDRESSES, combine, type Context, pmuClientRun } from './context.js';

/** Part 2: CMD_short:0 plain and sliced (what separates splitting messages from printing reads), CMD_short:1. */
export async function part2(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const { config } = context;
  const { sliceBytes, sliceGapMs } = config.check;
  const runs = [
    { label: 'CMD_short:0', command: 'CMD_short:0', sliceBytes: 0, sliceGapMs: 0 },
    { label: `CMD_short:0 with the PMU writing ${sliceBytes}-byte slices ${sliceGapMs} ms apart`, command: 'CMD_short:0', sliceBytes, sliceGapMs },
    { label: 'CMD_short:1', command: 'CMD_short:1', sliceBytes: 0, sliceGapMs: 0 },
  ];
  const results = [];
  for (const run of runs) {
    const timeoutMs = context.timeoutMs + (run.command === 'CMD_short:1' ? config.pmu.messagesMax * 1000 : 0);
    const server = (logger: Logger) =>
      new PmuTcpServer({ ...pmuProtocolOptions(config.pmu), ...config.lab.pmuTcp, host: ALL_COURSE_ADDRESSES, sliceBytes: run.sliceBytes, sliceGapMs: run.sliceGapMs, lingerMs: 500, drainMs: 1000 }, logger);
    results.push({ label: run.label, ...(await pmuClientRun(context, 'part2', run.label, run.command, server, timeoutMs)) });
  }
  return combine('part2', results, startedAt);
}
