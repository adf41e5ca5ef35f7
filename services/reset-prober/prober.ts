import { FAMILIES, type Family } from '../../lib/address.js';
import { type ResetOutcome, resetExchange, resolveTargets } from '../../lib/clients/reset.js';
import { describeError, socklabError, type SocklabError } from '../../lib/errors.js';
import { once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import { everyInterval, type Schedule } from '../../lib/scheduler.js';
import { localIso, plural } from '../../lib/words.js';
import { STORE_RETRY, StoreWriter, type StoreWriterCounters } from '../../lib/store-writer.js';
import type { LastAnswer, ProbeRecord, ProberRow, ProberStore } from './store.js';

export interface ResetProberOptions {
  hosts: readonly string[];
  port: number;
  n: number;
  timeoutMs: number;
  maxRounds: number;
  intervalMs: number;
  /** Most rows held while the store cannot take them. */
  maxPendingRows: number;
}

export interface ProberCounters {
  probes: number;
  acknowledged: number;
  overruns: number;
  store: StoreWriterCounters;
}

/**
 * The reset-prober (handout part 3, Q17): every interval, a RESET exchange per address family,
 * each family on its own drift-free schedule (unlike a client that stops at the first answer), so
 * that a silent family never delays the other and the store and the log tell when the server was
 * on which family. Resolves names every probe: a DNS failure is recorded and the next probe tries
 * again.
 */
export class ResetProber {
  private readonly counts = { probes: 0, acknowledged: 0, overruns: 0 };
  private schedules: Schedule[] = [];
  private readonly abort = new AbortController();
  private lastAnswer: LastAnswer | null;
  /** Each family's latest probe and the slot it ran in: a switch is judged on a slot both families probed. */
  private readonly latest = new Map<Family, { slot: number; record: ProbeRecord }>();
  private readonly writer: StoreWriter<ProberRow>;
  private cycles = 0;

  constructor(
    private readonly options: Readonly<ResetProberOptions>,
    private readonly store: ProberStore,
    private readonly logger: Logger,
    /** Called once when the store cannot be used any more: the service must end. */
    onUnusable: (error: SocklabError) => void = () => undefined,
  ) {
    this.lastAnswer = store.lastAnswer();
    this.writer = new StoreWriter(
      { file: store.file, batchMs: 0, batchRows: 100, maxPendingRows: options.maxPendingRows, ...STORE_RETRY },
      (rows) => store.append(rows),
      logger,
      onUnusable,
    );
  }

  get counters(): ProberCounters {
    return { ...this.counts, store: this.writer.counters };
  }

  /** "answered after 2 rounds at …", "no answer (20 rounds) at …", or null before the first probe. */
  lastResult(family: Family): string | null {
    const record = this.latest.get(family)?.record;
    if (!record) return null;
    const at = localIso(record.at);
    if (record.acknowledged) return `answered after ${plural(record.rounds, 'round')} at ${at}`;
    return record.rounds === 0 ? `not probed (${record.error}) at ${at}` : `no answer (${plural(record.rounds, 'round')}) at ${at}`;
  }

  start(): void {
    this.schedules = FAMILIES.map((family) =>
      everyInterval(
        this.options.intervalMs,
        async (slot) => void (await this.probe(family, slot)),
        {
          onError: (error) => this.logger.error('probe failed', { family, error: describeError(error) }),
          onOverrun: ({ durationMs, skipped }) => {
            this.counts.overruns += 1;
            this.logger.warn('probe overran its interval', { family, durationMs, intervalMs: this.options.intervalMs, skipped });
          },
        },
      ),
    );
  }

  /** One probe of each family at once; public so that tests and benchmarks can drive cycles directly. */
  async cycle(): Promise<void> {
    const slot = this.cycles++;
    await Promise.all(FAMILIES.map((family) => this.probe(family, slot)));
  }

  /** One RESET exchange with the targets of one family; stored and logged as soon as it ends. */
  private async probe(family: Family, slot: number): Promise<ProbeRecord | null> {
    const at = new Date().toISOString();
    const { targets, problems } = await resolveTargets(this.options.hosts);
    for (const problem of problems) this.logger.warn('resolution failed', { family, problem });
    const ofFamily = targets.filter((target) => target.family === family);
    const base = { at, family, targets: ofFamily.map((target) => target.address) };
    let record: ProbeRecord;
    if (ofFamily.length === 0) {
      const error = problems.length > 0 ? problems.join('; ') : `no ${family} address for ${this.options.hosts.join(', ')}`;
      record = { ...base, acknowledged: false, address: null, offset: null, rounds: 0, packets: 0, rttMs: null, error };
    } else {
      const outcome = await resetExchange({ ...this.options, targets: ofFamily, signal: this.abort.signal });
      if (outcome.aborted) return null; // stopped mid-probe: not a measurement
      record = { ...base, ...fromOutcome(outcome) };
    }
    this.record(record);
    this.noteSwitch(family, slot, record);
    return record;
  }

  private record(record: ProbeRecord): void {
    this.writer.push({ kind: 'probe', record });
    this.counts.probes += 1;
    if (record.acknowledged) this.counts.acknowledged += 1;
    // The line a student reads in `npx pm2 logs reset-prober` (Q17).
    this.logger.info('probe', {
      at: record.at,
      atLocal: localIso(record.at), // the course server switches family by local hour (Q17)
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

  /** Logs and stores a change of the family the server answers on, with the window it happened in. */
  private noteSwitch(family: Family, slot: number, record: ProbeRecord): void {
    this.latest.set(family, { slot, record });
    const records = FAMILIES.map((each) => this.latest.get(each)).filter((latest) => latest?.slot === slot).map((latest) => latest!.record);
    if (records.length < FAMILIES.length) return; // the other family has not probed this slot (yet)
    const answered = records.filter((each) => each.acknowledged).map((each) => each.family);
    if (answered.length === 0) return; // no answer says nothing about where the server is
    const at = records.map((each) => each.at).sort()[0]!;
    const families = answered.length === FAMILIES.length ? 'both' : answered[0]!;
    if (this.lastAnswer && this.lastAnswer.families !== families) {
      const change = { at, from: this.lastAnswer.families, to: families, after: this.lastAnswer.at, before: at };
      this.writer.push({ kind: 'switch', record: change });
      this.logger.info('family switch', change);
    }
    this.lastAnswer = { at, families };
  }

  /** Stops probing, stores what it can; rejects, after closing everything, when any probe was not stored. */
  readonly close = once(async () => {
    this.abort.abort();
    await Promise.all(this.schedules.map((schedule) => schedule.stop()));
    const store = this.writer.close();
    this.store.close();
    this.logger.info('closed', { ...this.counts, store });
    if (store.lost > 0) {
      throw socklabError('SOCKLAB_ERR_STORE', `${store.lost} of ${store.accepted} rows were not stored in ${this.store.file}`);
    }
  });
}

function fromOutcome(outcome: ResetOutcome): Omit<ProbeRecord, 'at' | 'family' | 'targets'> {
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
