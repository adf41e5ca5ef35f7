import type { Family } from '../../lib/address.js';
import { type Database, openStore, openStoreReadOnly } from '../../lib/sqlite.js';

/**
 * The reset-prober's store (SQLite, WAL). Stable schema, versioned by PRAGMA user_version:
 * readers such as `socklab prober report` (and the planned dashboard) rely on it.
 */
const MIGRATIONS = [
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
    this.db = openStore(file, MIGRATIONS);
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

export interface ProbeRow {
  at: string;
  family: Family;
  acknowledged: number;
  rounds: number;
  error: string | null;
}

export interface ProberHistory {
  probes: ProbeRow[];
  switches: SwitchRecord[];
}

/** Everything `socklab prober report` needs, read without disturbing the running prober. */
export function readProberHistory(file: string): ProberHistory {
  const db = openStoreReadOnly(file);
  try {
    return {
      probes: db.prepare('SELECT at, family, acknowledged, rounds, error FROM probes ORDER BY at, family').all() as ProbeRow[],
      switches: db
        .prepare('SELECT at, from_family AS "from", to_family AS "to", after, before FROM switches ORDER BY at')
        .all() as SwitchRecord[],
    };
  } finally {
    db.close();
  }
}
