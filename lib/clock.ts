/** Time as services see it; tests inject their own to cross an hour boundary without sleeping. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Time in ms since the epoch that never goes back within a process: gaps between two records stay true. */
export const monotonicNow = (): number => performance.timeOrigin + performance.now();
