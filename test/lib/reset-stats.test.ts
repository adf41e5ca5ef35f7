import { describe, expect, it } from 'vitest';
import { summarize, wilsonInterval } from '../../lib/reset-stats.js';

describe('loss statistics (geometric model)', () => {
  it('computes the Wilson interval', () => {
    const [low, high] = wilsonInterval(7, 10);
    expect(low).toBeCloseTo(0.3968, 3);
    expect(high).toBeCloseTo(0.8922, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
  });

  it('estimates p̂ = 1 − 1/mean rounds when every run was acknowledged, with a histogram', () => {
    const runs = [1, 1, 2, 1, 3, 1, 2, 1].map((rounds) => ({ rounds, packets: rounds * 2, acknowledged: true }));
    const summary = summarize(runs);
    expect(summary.meanRounds).toBe(1.5);
    expect(summary.meanPackets).toBe(3);
    expect(summary.lossProbability).toBeCloseTo(1 - 1 / 1.5, 4);
    expect(summary.histogram).toEqual({ 1: 5, 2: 2, 3: 1 });
    expect(summary.ci95[0]).toBeLessThan(summary.lossProbability);
    expect(summary.ci95[1]).toBeGreaterThan(summary.lossProbability);
  });

  it('counts the rounds of a run that gave up as failures, without a success', () => {
    const summary = summarize([
      { rounds: 1, packets: 2, acknowledged: true },
      { rounds: 3, packets: 6, acknowledged: false },
    ]);
    expect(summary).toMatchObject({ runs: 2, acknowledged: 1, meanRounds: 2, lossProbability: 0.75, histogram: { 1: 1 } });
  });

  it('lands near the true p on a large simulated sample', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const runs = Array.from({ length: 5000 }, () => {
      let rounds = 1;
      while (random() < 0.3) rounds += 1;
      return { rounds, packets: rounds, acknowledged: true };
    });
    const summary = summarize(runs);
    expect(summary.lossProbability).toBeGreaterThan(0.28);
    expect(summary.lossProbability).toBeLessThan(0.32);
    expect(summary.ci95[0]).toBeLessThan(0.3);
    expect(summary.ci95[1]).toBeGreaterThan(0.3);
  });
});
