import { type Database, openStore, openStoreReadOnly } from '../../lib/sqlite.js';

/**
 * The mcast-recorder's store (SQLite, WAL). Stable schema, versioned by PRAGMA user_version:
 * `socklab recorder …` (and the planned dashboard) read it while the recorder writes.
 */
const MIGRATIONS = [
  `CREATE TABLE datagrams (
     id INTEGER PRIMARY KEY,
     received_at TEXT NOT NULL,       -- ISO-8601 UTC, milliseconds
     grp TEXT NOT NULL,               -- the multicast group it was sent to
     source_address TEXT NOT NULL,
     source_port INTEGER NOT NULL,
     sender_id TEXT NOT NULL,         -- the first 6 bytes, as latin1
     text TEXT NOT NULL,              -- the rest, as UTF-8 (latin1 when it is not UTF-8)
     well_formed INTEGER NOT NULL,    -- 0: shorter than 6 bytes, ID not printable ASCII, or text not UTF-8
     size INTEGER NOT NULL,
     payload BLOB NOT NULL            -- the datagram as received
   );
   CREATE INDEX datagrams_received_at ON datagrams (received_at);
   CREATE INDEX datagrams_sender ON datagrams (sender_id);`,
];

export interface DatagramRow {
  receivedAt: string;
  group: string;
  sourceAddress: string;
  sourcePort: number;
  senderId: string;
  text: string;
  wellFormed: boolean;
  payload: Buffer;
}

export class RecorderStore {
  private readonly db: Database;
  private readonly insertOne;
  private readonly insertBatch: (rows: readonly DatagramRow[]) => void;

  constructor(readonly file: string) {
    this.db = openStore(file, MIGRATIONS);
    this.insertOne = this.db.prepare(
      `INSERT INTO datagrams (received_at, grp, source_address, source_port, sender_id, text, well_formed, size, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertBatch = this.db.transaction((rows: readonly DatagramRow[]) => {
      for (const row of rows) {
        this.insertOne.run(row.receivedAt, row.group, row.sourceAddress, row.sourcePort, row.senderId, row.text, row.wellFormed ? 1 : 0, row.payload.length, row.payload);
      }
    });
  }

  /** Commits the rows in one transaction: all of them are in the store, or none. */
  append(rows: readonly DatagramRow[]): void {
    this.insertBatch(rows);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export interface SenderStats {
  senderId: string;
  count: number;
  bytes: number;
  firstSeen: string;
  lastSeen: string;
}

export interface QueryFilter {
  id?: string;
  since?: string;
  until?: string;
  grep?: string;
  limit?: number;
}

export interface StoredDatagram {
  id: number;
  receivedAt: string;
  group: string;
  from: string;
  senderId: string;
  text: string;
  size: number;
  wellFormed: boolean;
}

/** Read-only access for `socklab recorder stats / query / export`. */
export class RecorderReader {
  private readonly db: Database;

  private readonly rows;

  constructor(file: string) {
    this.db = openStoreReadOnly(file);
    this.rows = {
      latest: this.db.prepare(`SELECT ${COLUMNS} FROM datagrams ORDER BY id DESC LIMIT ?`),
      countAfter: this.db.prepare('SELECT count(*) FROM datagrams WHERE id > ?'),
    };
  }

  stats(): SenderStats[] {
    return this.db
      .prepare(
        `SELECT sender_id AS senderId, count(*) AS count, sum(size) AS bytes, min(received_at) AS firstSeen, max(received_at) AS lastSeen
         FROM datagrams GROUP BY sender_id ORDER BY count DESC, sender_id`,
      )
      .all() as SenderStats[];
  }

  /** Datagrams per UTC minute ("YYYY-MM-DDTHH:MM") and sender since `since` (ISO-8601), by the received_at index. */
  perMinute(since: string): Array<{ minute: string; senderId: string; count: number }> {
    return this.db
      .prepare('SELECT substr(received_at, 1, 16) AS minute, sender_id AS senderId, count(*) AS count FROM datagrams WHERE received_at >= ? GROUP BY 1, 2 ORDER BY 1, 2')
      .all(since) as Array<{ minute: string; senderId: string; count: number }>;
  }

  /** Datagrams matching the filter, oldest first, one at a time (exports can be large). */
  *query(filter: QueryFilter = {}): Generator<StoredDatagram> {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (filter.id !== undefined) (where.push('sender_id = @id'), (params.id = filter.id));
    if (filter.since !== undefined) (where.push('received_at >= @since'), (params.since = filter.since));
    if (filter.until !== undefined) (where.push('received_at < @until'), (params.until = filter.until));
    if (filter.grep !== undefined) (where.push("instr(lower(text), lower(@grep)) > 0"), (params.grep = filter.grep));
    const statement = this.db.prepare(
      `SELECT ${COLUMNS} FROM datagrams ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id
       ${filter.limit !== undefined ? 'LIMIT @limit' : ''}`,
    );
    if (filter.limit !== undefined) params.limit = filter.limit;
    for (const row of statement.iterate(params) as Iterable<RawDatagram>) yield fromRow(row);
  }

  /** The `limit` newest datagrams, oldest first. */
  latest(limit: number): StoredDatagram[] {
    return (this.rows.latest.all(limit) as RawDatagram[]).reverse().map(fromRow);
  }

  /** How many datagrams were stored after the one with id `id`. */
  countAfter(id: number): number {
    return this.rows.countAfter.pluck().get(id) as number;
  }

  close(): void {
    this.db.close();
  }
}

type RawDatagram = Omit<StoredDatagram, 'wellFormed'> & { wellFormed: number };

const fromRow = (row: RawDatagram): StoredDatagram => ({ ...row, wellFormed: row.wellFormed === 1 });

const COLUMNS = `id, received_at AS receivedAt, grp AS "group", source_address || ':' || source_port AS "from",
  sender_id AS senderId, text, size, well_formed AS wellFormed`;
