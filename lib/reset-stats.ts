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
  const histogram: Record<string, number> = {};
  for (const run of runs) if (run.acknowledged) histogram[run.rounds] = (histogram[run.rounds] ?? 0) + 1;
  return fromTotals({
    runs: runs.length,
    acknowledged: runs.filter((run) => run.acknowledged).length,
    trials: runs.reduce((total, run) => total + run.rounds, 0),
    packets: runs.reduce((total, run) => total + run.packets, 0),
    histogram,
  });
}

/** The same summary from answered runs counted by the rounds they needed (a store's histogram), however many. */
export function summarizeAnswered(byRounds: ReadonlyArray<{ rounds: number; runs: number }>): ResetSummary {
  const histogram: Record<string, number> = {};
  for (const { rounds, runs } of byRounds) histogram[rounds] = runs;
  const runs = byRounds.reduce((total, entry) => total + entry.runs, 0);
  return fromTotals({ runs, acknowledged: runs, trials: byRounds.reduce((total, entry) => total + entry.rounds * entry.runs, 0), packets: 0, histogram });
}

function fromTotals(totals: { runs: number; acknowledged: number; trials: number; packets: number; histogram: Record<string, number> }): ResetSummary {
  const { runs, acknowledged, trials, packets, histogram } = totals;
  const [answeredLow, answeredHigh] = wilsonInterval(acknowledged, trials);
  return {
    runs,
    acknowledged,
    meanRounds: runs ? round4(trials / runs) : 0,
    meanPackets: runs ? round4(packets / runs) : 0,
    lossProbability: trials ? round4(1 - acknowledged / trials) : 0,
    ci95: [round4(1 - answeredHigh), round4(1 - answeredLow)],
    histogram,
  };
}
