import net from 'node:net';
import { PMU_TCP } from './pmu-tcp.js';
import { SOCKET_BASICS } from './socket-basics.js';
import type { Experiment, ExperimentResult, Targets } from './types.js';
import { UDP } from './udp.js';
import { WEB } from './web.js';

export type { Connection, ExperimentResult, Measurement, PictureFlow, Targets } from './types.js';

const EXPERIMENTS: Experiment[] = [...SOCKET_BASICS, ...PMU_TCP, ...UDP, ...WEB];


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
