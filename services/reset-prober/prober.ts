import { FAMILIES } from '../../lib/address.js';
import { type Clock, systemClock } from '../../lib/clock.js';
import { type ResetOutcome, resetExchange, resolveTargets } from '../../lib/clients/reset.js';
import { describeError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { everyInterval, type Schedule } from '../../lib/scheduler.js';
import { once } from '../../lib/listen.js';
import type { LastAnswer, ProbeRecord, ProberStore } from './store.js';

export interface ResetProberOptions {
  hosts: readonly string[];
  port: number;
  n: number;
  timeoutMs: number;
  maxRounds: number;
  intervalMs: number;
  clock?: Clock;
}

export interface ProberCounters {
  cycles: number;
  probes: number;
  acknowledged: number;
}

/**
 * The reset-prober (handout part 3, Q17): every interval, a RESET exchange per address family,
 * each family on its own (unlike a client that stops at the first answer), so the store and
 * the log tell when the server was on which family. Resolves names every cycle: a DNS failure
 * is recorded and the next cycle tries again.
 */
export class ResetProber {
  readonly counters: ProberCounters = { cycles: 0, probes: 0, acknowledged: 0 };
  private schedule: Schedule | undefined;
  private readonly abort = new AbortController();
  private lastAnswer: LastAnswer | null;
  private readonly clock: Clock;

  constructor(
    private readonly options: Readonly<ResetProberOptions>,
    private readonly store: ProberStore,
    private readonly logger: Logger,
  ) {
    this.clock = options.clock ?? systemClock;
    this.lastAnswer = store.lastAnswer();
  }

  start(): void {
    this.schedule = everyInterval(
      this.options.intervalMs,
      () => this.cycle(),
      (error) => this.logger.error('probe cycle failed', { error: describeError(error) }),
      this.clock,
    );
  }

  /** One probe of each family; public so that tests and benchmarks can drive cycles directly. */
  async cycle(): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    const { targets, problems } = await resolveTargets(this.options.hosts);
    for (const problem of problems) this.logger.warn('resolution failed', { problem });
    const records = await Promise.all(
      FAMILIES.map(async (family): Promise<ProbeRecord | null> => {
        const ofFamily = targets.filter((target) => target.family === family);
        const base = { at, family, targets: ofFamily.map((target) => target.address) };
        let record: ProbeRecord;
        if (ofFamily.length === 0) {
          const error = problems.length > 0 ? problems.join('; ') : `no ${family} address for ${this.options.hosts.join(', ')}`;
          record = { ...base, acknowledged: false, address: null, offset: null, rounds: 0, packets: 0, rttMs: null, error };
        } else {
          const outcome = await resetExchange({ ...this.options, targets: ofFamily, signal: this.abort.signal });
          if (outcome.aborted) return null; // stopped mid-probe: not a measurement
          record = { ...base, ...this.fromOutcome(outcome) };
        }
        // Each family is stored and logged as soon as it is known: a silent family must not hold
        // back the other's line, the one a student reads in `npx pm2 logs reset-prober` (Q17).
        this.record(record);
        return record;
      }),
    );
    const finished = records.filter((record): record is ProbeRecord => record !== null);
    if (finished.length < FAMILIES.length) return;
    this.counters.cycles += 1;
    this.noteSwitch(at, finished);
  }

  private record(record: ProbeRecord): void {
    this.store.addProbe(record);
    this.counters.probes += 1;
    if (record.acknowledged) this.counters.acknowledged += 1;
    this.logger.info('probe', {
      at: record.at,
      family: record.family,
      acknowledged: record.acknowledged,
      address: record.address,
      offset: record.offset,
      rounds: record.rounds,
      packets: record.packets,
      rttMs: record.rttMs,
      ...(record.error ? { error: record.error } : {}),
    });
  }

  private fromOutcome(outcome: ResetOutcome): Omit<ProbeRecord, 'at' | 'family' | 'targets'> {
    return {
      acknowledged: outcome.acknowledged,
      address: outcome.address,
      offset: outcome.offset,
      rounds: outcome.rounds,
      packets: outcome.packets,
      rttMs: outcome.rttMs,
      error: outcome.problems.length > 0 ? outcome.problems.join('; ') : null,
    };
  }

  /** Logs and stores a change of the family the server answers on, with the window it happened in. */
  private noteSwitch(at: string, records: readonly ProbeRecord[]): void {
    const answered = records.filter((record) => record.acknowledged).map((record) => record.family);
    if (answered.length === 0) return; // no answer says nothing about where the server is
    const families = answered.length === FAMILIES.length ? 'both' : answered[0]!;
    if (this.lastAnswer && this.lastAnswer.families !== families) {
      const change = { at, from: this.lastAnswer.families, to: families, after: this.lastAnswer.at, before: at };
      this.store.addSwitch(change);
      this.logger.info('family switch', change);
    }
    this.lastAnswer = { at, families };
  }

  readonly close = once(async () => {
    this.abort.abort();
    await this.schedule?.stop();
    this.store.close();
    this.logger.info('closed', { ...this.counters });
  });
}
