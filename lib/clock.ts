import { performance } from 'node:perf_hooks';

/** Time in ms since the epoch that never goes back within a process: gaps between two records stay true. */
export const monotonicNow = (): number => performance.timeOrigin + performance.now();
