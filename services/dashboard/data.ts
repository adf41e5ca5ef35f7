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

export interface ProberPanel {
  days: string[];
  cells: HeatCell[];
  switches: SwitchRecord[];
  latest: Array<{ at: string; family: string; acknowledged: number; rounds: number; error: string | null }>;
  report: ProberReport;
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
}

export function recorderPanel(file: string): Panel<RecorderPanel> {
  return panel(() => {
    const reader = new RecorderReader(file);
    try {
      return { senders: reader.stats(), latest: [...reader.latest(100)] };
    } finally {
      reader.close();
    }
  });
}

export interface TlsPanel {
  subject: string;
  issuer: string;
  notAfter: string;
  key: string;
  warnings: string[];
}

/** The TLS PMU's certificate: who it names, who signed it, when it ends, its key; and what needs attention. */
export function tlsPanel(certFile: string, now = new Date()): Panel<TlsPanel> {
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
    };
  });
}
