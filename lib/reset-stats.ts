/**
 * Loss probability from the handout's part 3 experiment (Q18). Each round of RESET:n is
 * answered with probability q = 1 − p, independently, so the rounds a run needs are geometric:
 * P(R = r) = (1 − q)^(r − 1) q. Over all runs the likelihood is q^S (1 − q)^(T − S), S the
 * acknowledged runs and T all rounds sent (a run that gave up adds rounds, no success), the
 * likelihood of S successes in T Bernoulli trials: q̂ = S / T (so p̂ = 1 − 1 / mean rounds when
 * every run was acknowledged) with the Wilson score interval for its 95% confidence interval.
 */

export interface RunRounds {
  rounds: number;
  packets: number;
  acknowledged: boolean;
}

export interface ResetSummary {
  runs: number;
  acknowledged: number;
  meanRounds: number;
  meanPackets: number;
  lossProbability: number;
  ci95: [number, number];
  /** Runs by the number of rounds they needed (acknowledged runs only). */
  histogram: Record<string, number>;
}

const Z95 = 1.959964;

/** Wilson score interval for a proportion of `successes` in `trials`. */
export function wilsonInterval(successes: number, trials: number, z = Z95): [number, number] {
  if (trials === 0) return [0, 1];
  const proportion = successes / trials;
  const denominator = 1 + (z * z) / trials;
  const centre = (proportion + (z * z) / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((proportion * (1 - proportion)) / trials + (z * z) / (4 * trials * trials))) / denominator;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

export function summarize(runs: readonly RunRounds[]): ResetSummary {
  const trials = runs.reduce((total, run) => total + run.rounds, 0);
  const acknowledged = runs.filter((run) => run.acknowledged);
  const histogram: Record<string, number> = {};
  for (const run of acknowledged) histogram[run.rounds] = (histogram[run.rounds] ?? 0) + 1;
  const [answeredLow, answeredHigh] = wilsonInterval(acknowledged.length, trials);
  return {
    runs: runs.length,
    acknowledged: acknowledged.length,
    meanRounds: runs.length ? round4(trials / runs.length) : 0,
    meanPackets: runs.length ? round4(runs.reduce((total, run) => total + run.packets, 0) / runs.length) : 0,
    lossProbability: trials ? round4(1 - acknowledged.length / trials) : 0,
    ci95: [round4(1 - answeredHigh), round4(1 - answeredLow)],
    histogram,
  };
}
