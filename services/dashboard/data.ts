import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { validityWarnings } from '../../lib/certs/server-material.js';
import { describeError } from '../../lib/errors.js';
import { openStoreReadOnly } from '../../lib/sqlite.js';
import { RecorderReader, type SenderStats, type StoredDatagram } from '../mcast-recorder/store.js';
import { buildReport, type ProberReport } from '../reset-prober/report.js';
import { readProberSummary, type SwitchRecord } from '../reset-prober/store.js';

/** A panel's data, or why it has none (a missing or locked store degrades its panel, never the page). */
export type Panel<T> = { ok: true; data: T } | { ok: false; error: string };

function panel<T>(read: () => T): Panel<T> {
  try {
    return { ok: true, data: read() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

export interface HeatCell {
  day: string;
  hour: number;
  family: 'IPv4' | 'IPv6';
  probed: number;
  answered: number;
}

/** One hour of the last day, as the prober's hourly buckets have it (only hours with probes). */
export interface ProberHour {
  /** The hour's start, epoch seconds. */
  at: number;
  IPv4: { probed: number; answered: number };
  IPv6: { probed: number; answered: number };
}

export interface ProberPanel {
  days: string[];
  cells: HeatCell[];
  /** The last 24 hours, hour by hour, for the chart. */
  lastDay: ProberHour[];
  switches: SwitchRecord[];
  latest: Array<{ at: string; family: string; acknowledged: number; rounds: number; error: string | null }>;
  report: ProberReport;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function localDay(time: Date): string {
  return `${time.getFullYear()}-${String(time.getMonth() + 1).padStart(2, '0')}-${String(time.getDate()).padStart(2, '0')}`;
}

/** The hourly buckets of the 24 hours up to `now` (local hours, as the store keeps them). */
function lastDay(cells: readonly HeatCell[], now: Date): ProberHour[] {
  const hours = new Map<number, ProberHour>();
  const since = now.getTime() - DAY_MS;
  for (const cell of cells) {
    const [year, month, day] = cell.day.split('-').map(Number) as [number, number, number];
    const at = new Date(year, month - 1, day, cell.hour).getTime();
    if (at + 3600_000 <= since || at > now.getTime()) continue;
    const hour = hours.get(at) ?? { at: at / 1000, IPv4: { probed: 0, answered: 0 }, IPv6: { probed: 0, answered: 0 } };
    hour[cell.family] = { probed: cell.probed, answered: cell.answered };
    hours.set(at, hour);
  }
  return [...hours.values()].sort((a, b) => a.at - b.at);
}

/** The prober's hour × day map for the last `days` days (local dates), from its hourly buckets. */
export function proberPanel(file: string, days: number, now = new Date()): Panel<ProberPanel> {
  return panel(() => {
    const report = buildReport(readProberSummary(file));
    const dayList = Array.from({ length: days }, (_, index) => {
      const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1 - index));
      return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    });
    const db = openStoreReadOnly(file);
    try {
      return {
        days: dayList,
        cells: db.prepare('SELECT day, hour, family, probed, answered FROM hours WHERE day >= ? ORDER BY day, hour, family').all(dayList[0]) as HeatCell[],
        lastDay: lastDay(db.prepare('SELECT day, hour, family, probed, answered FROM hours WHERE day >= ? ORDER BY day, hour').all(localDay(new Date(now.getTime() - DAY_MS))) as HeatCell[], now),
        switches: report.switches.slice(-20),
        latest: db.prepare('SELECT at, family, acknowledged, rounds, error FROM probes ORDER BY id DESC LIMIT 20').all() as ProberPanel['latest'],
        report,
      };
    } finally {
      db.close();
    }
  });
}

export interface RecorderPanel {
  senders: SenderStats[];
  latest: StoredDatagram[];
  /** Datagrams per minute by sender over the last three hours (only minutes that have some). */
  perMinute: { minutes: number[]; senders: Record<string, number[]> };
}

const RECORDER_WINDOW_MS = 3 * 60 * 60 * 1000;

export function recorderPanel(file: string, now = new Date()): Panel<RecorderPanel> {
  return panel(() => {
    const reader = new RecorderReader(file);
    try {
      const counts = reader.perMinute(new Date(now.getTime() - RECORDER_WINDOW_MS).toISOString());
      const minutes = [...new Set(counts.map((row) => row.minute))].sort();
      const senders: Record<string, number[]> = {};
      for (const row of counts) (senders[row.senderId] ??= minutes.map(() => 0))[minutes.indexOf(row.minute)] = row.count;
      return { senders: reader.stats(), latest: [...reader.latest(100)], perMinute: { minutes: minutes.map((minute) => Date.parse(`${minute}:00Z`) / 1000), senders } };
    } finally {
      reader.close();
    }
  });
}

export interface TlsSessionLine {
  at: string;
  peer: string;
  tlsVersion: string | null;
  cipher: string | null;
  command: string | null;
  outcome: string;
  messages: number;
}

export interface TlsPanel {
  subject: string;
  issuer: string;
  notAfter: string;
  key: string;
  warnings: string[];
  /** From the TLS PMU's log: its latest sessions, and how many used each version and suite. */
  sessions: { last: TlsSessionLine[]; byVersion: Record<string, number>; byCipher: Record<string, number> };
}

/** The TLS PMU's session lines among its log lines (pm2 prefixes each with a date; the JSON follows). */
export function tlsSessions(logLines: readonly string[]): TlsPanel['sessions'] {
  const sessions: TlsSessionLine[] = [];
  for (const line of logLines) {
    const start = line.indexOf('{');
    if (start < 0) continue;
    try {
      const entry = JSON.parse(line.slice(start)) as Record<string, unknown>;
      if (entry.message !== 'session') continue;
      sessions.push({
        at: String(entry.timestamp),
        peer: String(entry.peer),
        tlsVersion: (entry.tlsVersion as string | null) ?? null,
        cipher: (entry.cipher as string | null) ?? null,
        command: (entry.command as string | null) ?? null,
        outcome: String(entry.outcome),
        messages: Number(entry.messages ?? 0),
      });
    } catch {
      // not a JSON line (a text-format log): not a session line we can read
    }
  }
  const count = (key: 'tlsVersion' | 'cipher') =>
    sessions.reduce<Record<string, number>>((counts, session) => ({ ...counts, [session[key] ?? 'none']: (counts[session[key] ?? 'none'] ?? 0) + 1 }), {});
  return { last: sessions.slice(-10).reverse(), byVersion: count('tlsVersion'), byCipher: count('cipher') };
}

/** The TLS PMU's certificate: who it names, who signed it, when it ends, its key; and what needs attention. */
export function tlsPanel(certFile: string, logLines: readonly string[], now = new Date()): Panel<TlsPanel> {
  return panel(() => {
    const certificate = new X509Certificate(readFileSync(certFile));
    const details = certificate.publicKey.asymmetricKeyDetails;
    const bits = details?.modulusLength;
    return {
      subject: certificate.subject.replace(/\n/g, ', '),
      issuer: certificate.issuer.replace(/\n/g, ', '),
      notAfter: new Date(certificate.validTo).toISOString(),
      key: `${certificate.publicKey.asymmetricKeyType?.toUpperCase()} ${bits ?? details?.namedCurve ?? ''}`.trim(),
      warnings: [
        ...validityWarnings(new Date(certificate.validFrom), new Date(certificate.validTo), now),
        ...(bits !== undefined && bits < 2048 ? [`${bits}-bit key: refused by clients at OpenSSL security level 2 (the grader's Python)`] : []),
      ],
      sessions: tlsSessions(logLines),
    };
  });
}
