import type { Family } from '../../lib/address.js';
import { socklabError } from '../../lib/errors.js';
import { type Database, openStore, openStoreReadOnly } from '../../lib/sqlite.js';

/**
 * The reset-prober's store (SQLite, WAL). Stable schema, versioned by PRAGMA user_version:
 * readers such as `socklab prober report` (and the planned dashboard) rely on it.
 */
export const PROBER_MIGRATIONS = [
  `CREATE TABLE probes (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,              -- start of the probe, ISO-8601 UTC
     family TEXT NOT NULL CHECK (family IN ('IPv4', 'IPv6')),
     targets TEXT NOT NULL,         -- the addresses of that family that were probed, comma-separated
     acknowledged INTEGER NOT NULL, -- 1 when a valid OFFSET=X came back
     address TEXT,                  -- the target that answered
     offset INTEGER,
     rounds INTEGER NOT NULL,
     packets INTEGER NOT NULL,
     rtt_ms REAL,
     error TEXT                     -- why the family could not be probed (DNS, no route), else NULL
   );
   CREATE INDEX probes_at ON probes (at);
   CREATE TABLE switches (
     id INTEGER PRIMARY KEY,
     at TEXT NOT NULL,              -- when the change was seen, ISO-8601 UTC
     from_family TEXT NOT NULL,     -- IPv4, IPv6 or both
     to_family TEXT NOT NULL,
     after TEXT NOT NULL,           -- the change happened after this probe (last seen on from_family)...
     before TEXT NOT NULL           -- ...and before this one
   );`,
  // Hourly buckets, kept by triggers as probes are stored, so that reports and the dashboard
  // read a few rows per day instead of every probe (a year is a million probes). Hours are local
  // time on the prober's machine; existing probes are counted in once, here.
  `CREATE TABLE hours (
     day TEXT NOT NULL,                 -- local date of the probe, YYYY-MM-DD
     hour INTEGER NOT NULL,             -- local hour of day, 0-23
     family TEXT NOT NULL,
     probed INTEGER NOT NULL,           -- probes made (rounds > 0)
     answered INTEGER NOT NULL,
     not_probed INTEGER NOT NULL,       -- the family could not be probed (DNS, no address)
     answered_rounds INTEGER NOT NULL,  -- rounds of the answered probes, summed (loss estimate)
     PRIMARY KEY (day, hour, family)
   ) WITHOUT ROWID;
   INSERT INTO hours
     SELECT date(at, 'localtime'), CAST(strftime('%H', at, 'localtime') AS INTEGER), family,
            sum(rounds > 0), sum(acknowledged), sum(rounds = 0), sum(CASE WHEN acknowledged THEN rounds ELSE 0 END)
     FROM probes GROUP BY 1, 2, 3;
   CREATE TABLE answered_rounds (rounds INTEGER PRIMARY KEY, probes INTEGER NOT NULL);
   INSERT INTO answered_rounds SELECT rounds, count(*) FROM probes WHERE acknowledged = 1 GROUP BY rounds;
   CREATE TRIGGER probes_hours AFTER INSERT ON probes BEGIN
     INSERT INTO hours (day, hour, family, probed, answered, not_probed, answered_rounds)
       VALUES (date(NEW.at, 'localtime'), CAST(strftime('%H', NEW.at, 'localtime') AS INTEGER), NEW.family,
               NEW.rounds > 0, NEW.acknowledged, NEW.rounds = 0, CASE WHEN NEW.acknowledged THEN NEW.rounds ELSE 0 END)
       ON CONFLICT (day, hour, family) DO UPDATE SET
         probed = probed + excluded.probed, answered = answered + excluded.answered,
         not_probed = not_probed + excluded.not_probed, answered_rounds = answered_rounds + excluded.answered_rounds;
     INSERT INTO answered_rounds (rounds, probes) SELECT NEW.rounds, 1 WHERE NEW.acknowledged
       ON CONFLICT (rounds) DO UPDATE SET probes = probes + 1;
   END;`,
];

export interface ProbeRecord {
  at: string;
  family: Family;
  targets: string[];
  acknowledged: boolean;
  address: string | null;
  offset: number | null;
  rounds: number;
  packets: number;
  rttMs: number | null;
  error: string | null;
}

export interface SwitchRecord {
  at: string;
  from: string;
  to: string;
  after: string;
  before: string;
}

/** Which families answered in the latest probe that got an answer, for a restart to go on from. */
export interface LastAnswer {
  at: string;
  families: string;
}

/** What the prober writes: a probe, or a change of family. */
export type ProberRow = { kind: 'probe'; record: ProbeRecord } | { kind: 'switch'; record: SwitchRecord };

export class ProberStore {
  private readonly db: Database;
  private readonly insertProbe;
  private readonly insertSwitch;
  private readonly insertRows: (rows: readonly ProberRow[]) => void;

  constructor(readonly file: string) {
    this.db = openStore(file, PROBER_MIGRATIONS);
    this.insertProbe = this.db.prepare(
      `INSERT INTO probes (at, family, targets, acknowledged, address, offset, rounds, packets, rtt_ms, error)
       VALUES (@at, @family, @targets, @acknowledged, @address, @offset, @rounds, @packets, @rttMs, @error)`,
    );
    this.insertSwitch = this.db.prepare(
      'INSERT INTO switches (at, from_family, to_family, after, before) VALUES (@at, @from, @to, @after, @before)',
    );
    this.insertRows = this.db.transaction((rows: readonly ProberRow[]) => {
      for (const row of rows) {
        if (row.kind === 'switch') this.insertSwitch.run(row.record);
        else this.insertProbe.run({ ...row.record, targets: row.record.targets.join(','), acknowledged: row.record.acknowledged ? 1 : 0 });
      }
    });
  }

  /** Commits the rows in one transaction: all of them are in the store, or none. */
  append(rows: readonly ProberRow[]): void {
    this.insertRows(rows);
  }

  lastAnswer(): LastAnswer | null {
    const row = this.db
      .prepare(
        `SELECT at, group_concat(family, '+') AS families FROM (
           SELECT at, family FROM probes WHERE acknowledged = 1 AND at = (SELECT max(at) FROM probes WHERE acknowledged = 1) ORDER BY family
         ) GROUP BY at`,
      )
      .get() as { at: string; families: string } | undefined;
    return row ? { at: row.at, families: row.families === 'IPv4+IPv6' ? 'both' : row.families } : null;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** One hour of day, one family: probes made and answered. */
export interface HourTally {
  hour: number;
  family: Family;
  probed: number;
  answered: number;
}

/** What `socklab prober report` needs, aggregated in SQL: memory stays flat whatever the store's size. */
export interface ProberSummary {
  from: string | null;
  to: string | null;
  probes: number;
  notProbed: number;
  hours: HourTally[];
  /** Answered probes by the rounds they needed (the loss estimate's histogram). */
  answeredRounds: Array<{ rounds: number; probes: number }>;
  switches: SwitchRecord[];
}

/** Reads the store's hourly buckets, read-only, without disturbing the running prober. */
export function readProberSummary(file: string): ProberSummary {
  const db = openStoreReadOnly(file);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < PROBER_MIGRATIONS.length) {
      throw socklabError('SOCKLAB_ERR_STORE', `${file} has schema version ${version}, this socklab reads ${PROBER_MIGRATIONS.length}: start the reset-prober once (npm start) to bring it up to date`);
    }
    // Two statements: SQLite answers a lone min() or max() from the index, both at once by a full scan.
    const range = {
      from: db.prepare('SELECT min(at) FROM probes').pluck().get() as string | null,
      to: db.prepare('SELECT max(at) FROM probes').pluck().get() as string | null,
    };
    const totals = db.prepare('SELECT coalesce(sum(probed + not_probed), 0) AS probes, coalesce(sum(not_probed), 0) AS notProbed FROM hours').get() as {
      probes: number;
      notProbed: number;
    };
    return {
      ...range,
      ...totals,
      hours: db.prepare('SELECT hour, family, sum(probed) AS probed, sum(answered) AS answered FROM hours GROUP BY hour, family').all() as HourTally[],
      answeredRounds: db.prepare('SELECT rounds, probes FROM answered_rounds ORDER BY rounds').all() as ProberSummary['answeredRounds'],
      switches: db
        .prepare('SELECT at, from_family AS "from", to_family AS "to", after, before FROM switches ORDER BY at')
        .all() as SwitchRecord[],
    };
  } finally {
    db.close();
  }
}
