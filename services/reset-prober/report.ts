import { FAMILIES, type Family } from '../../lib/address.js';
import { csvLine } from '../../lib/csv.js';
import { escapeHtml } from '../../lib/html.js';
import { type ResetSummary, summarizeAnswered } from '../../lib/reset-stats.js';
import type { ProberSummary, SwitchRecord } from './store.js';
import { localIso, plural } from '../../lib/words.js';

/** Availability of the RESET server by hour of day, from the reset-prober's store (Q17, Q18). */

export interface Tally {
  answered: number;
  probed: number;
}

export interface HourRow {
  /** Local hour of day, 0–23, on the prober's machine. */
  hour: number;
  IPv4: Tally;
  IPv6: Tally;
  /** The family that answered most of its probes in this hour. */
  serverOn: Family | 'both' | 'none' | null;
}

export interface ProberReport {
  from: string | null;
  to: string | null;
  probes: number;
  /** Probes that could not be made (DNS failure, no address of the family). */
  notProbed: number;
  hours: HourRow[];
  switches: SwitchRecord[];
  /** From the rounds of the answered probes (geometric model, see lib/reset-stats.ts). */
  loss: ResetSummary;
}

function serverOn(row: Omit<HourRow, 'serverOn'>): HourRow['serverOn'] {
  if (row.IPv4.probed + row.IPv6.probed === 0) return null;
  const up = FAMILIES.filter((family) => row[family].probed > 0 && row[family].answered / row[family].probed > 0.5);
  return up.length === 2 ? 'both' : (up[0] ?? 'none');
}

export function buildReport(summary: ProberSummary): ProberReport {
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, IPv4: { answered: 0, probed: 0 }, IPv6: { answered: 0, probed: 0 } }));
  for (const { hour, family, probed, answered } of summary.hours) hours[hour]![family] = { answered, probed };
  return {
    from: summary.from,
    to: summary.to,
    probes: summary.probes,
    notProbed: summary.notProbed,
    hours: hours.map((row) => ({ ...row, serverOn: serverOn(row) })),
    switches: summary.switches,
    loss: summarizeAnswered(summary.answeredRounds.map(({ rounds, probes }) => ({ rounds, runs: probes }))),
  };
}

const percent = (tally: Tally) => (tally.probed === 0 ? '—' : `${Math.round((100 * tally.answered) / tally.probed)}%`);
const cell = (tally: Tally) => `${tally.answered}/${tally.probed} ${percent(tally)}`.padEnd(14);

export function reportText(report: ProberReport): string {
  const lines = [
    `RESET server availability by hour of day (local time, UTC${localIso(report.from ?? Date.now()).slice(-6)}), ${plural(report.probes, 'probe')} from ${report.from ?? '—'} to ${report.to ?? '—'}`,
    '',
    'hour   IPv4 answered   IPv6 answered   server on',
    ...report.hours.map((row) => `${String(row.hour).padStart(2, '0')}:00  ${cell(row.IPv4)}  ${cell(row.IPv6)}  ${row.serverOn ?? '—'}`),
    '',
    report.switches.length === 0 ? 'No change of family seen.' : 'Changes of the family the server answers on:',
    ...report.switches.map((change) => `  ${change.from} → ${change.to} between ${change.after} and ${change.before}`),
    '',
    `Loss estimate from ${plural(report.loss.runs, 'answered probe')}: mean ${report.loss.meanRounds} rounds, p̂ = ${report.loss.lossProbability} (95% CI ${report.loss.ci95[0]}–${report.loss.ci95[1]})`,
  ];
  if (report.notProbed > 0) lines.push(`${plural(report.notProbed, 'probe')} could not be made (name resolution or no address of the family).`);
  return `${lines.join('\n')}\n`;
}

export function reportCsv(report: ProberReport): string {
  const header = csvLine(['hour', 'ipv4_answered', 'ipv4_probed', 'ipv6_answered', 'ipv6_probed', 'server_on']);
  return header + report.hours.map((row) => csvLine([row.hour, row.IPv4.answered, row.IPv4.probed, row.IPv6.answered, row.IPv6.probed, row.serverOn])).join('');
}

const COLOURS: Record<Family, string> = { IPv4: '#1f77b4', IPv6: '#ff7f0e' };

/** A bar chart of the share of answered probes per hour and family, as one standalone SVG. */
export function reportSvg(report: ProberReport): string {
  const width = 960;
  const height = 340;
  const left = 50;
  const top = 40;
  const plotHeight = 230;
  const slot = (width - left - 20) / 24;
  const bar = slot / 2 - 3;
  const y = (share: number) => top + plotHeight * (1 - share);
  const bars = report.hours.flatMap((row) =>
    FAMILIES.map((family, index) => {
      const tally = row[family];
      const share = tally.probed === 0 ? 0 : tally.answered / tally.probed;
      const x = left + row.hour * slot + 2 + index * (bar + 2);
      return `<rect x="${x.toFixed(1)}" y="${y(share).toFixed(1)}" width="${bar.toFixed(1)}" height="${(plotHeight * share).toFixed(1)}" fill="${COLOURS[family]}"><title>${String(row.hour).padStart(2, '0')}:00 ${family}: ${tally.answered}/${tally.probed} answered</title></rect>`;
    }),
  );
  const gridLines = [0, 0.25, 0.5, 0.75, 1].map(
    (share) =>
      `<line x1="${left}" x2="${width - 20}" y1="${y(share)}" y2="${y(share)}" stroke="#ddd"/><text x="${left - 6}" y="${y(share) + 4}" text-anchor="end" font-size="11">${share * 100}%</text>`,
  );
  const hourLabels = report.hours.map(
    (row) => `<text x="${(left + row.hour * slot + slot / 2).toFixed(1)}" y="${top + plotHeight + 16}" text-anchor="middle" font-size="11">${String(row.hour).padStart(2, '0')}</text>`,
  );
  const legend = FAMILIES.map(
    (family, index) =>
      `<rect x="${left + index * 90}" y="12" width="12" height="12" fill="${COLOURS[family]}"/><text x="${left + index * 90 + 16}" y="22" font-size="12">${family}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="sans-serif" role="img" aria-label="RESET server answers by hour of day">`,
    ...legend,
    `<text x="${left + 200}" y="22" font-size="12">share of probes answered, by local hour of day</text>`,
    ...gridLines,
    ...bars,
    ...hourLabels,
    `<text x="${left + (width - left) / 2}" y="${height - 12}" text-anchor="middle" font-size="12">hour of day</text>`,
    '</svg>',
  ].join('\n');
}

/** One self-contained page: the chart, the table and the switches; no external assets. */
export function reportHtml(report: ProberReport): string {
  const rows = report.hours
    .map(
      (row) =>
        `<tr><td>${String(row.hour).padStart(2, '0')}:00</td><td>${row.IPv4.answered}/${row.IPv4.probed}</td><td>${percent(row.IPv4)}</td><td>${row.IPv6.answered}/${row.IPv6.probed}</td><td>${percent(row.IPv6)}</td><td>${row.serverOn ?? '—'}</td></tr>`,
    )
    .join('\n');
  const switches = report.switches.length
    ? `<ul>${report.switches.map((change) => `<li>${escapeHtml(change.from)} → ${escapeHtml(change.to)} between ${escapeHtml(change.after)} and ${escapeHtml(change.before)}</li>`).join('')}</ul>`
    : '<p>No change of family seen.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>RESET server availability by hour — socklab</title>
<style>
body { font-family: sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-top: 1rem; }
td, th { border: 1px solid #ccc; padding: 0.2rem 0.6rem; text-align: right; }
th { background: #f4f4f4; }
</style>
</head>
<body>
<h1>RESET server availability by hour of day</h1>
<p>${report.probes} probes from ${escapeHtml(report.from ?? '—')} to ${escapeHtml(report.to ?? '—')}; hours in the local time of the machine that made this report.</p>
${reportSvg(report)}
<h2>Changes of family</h2>
${switches}
<h2>Loss estimate</h2>
<p>From ${report.loss.runs} answered probes: mean ${report.loss.meanRounds} rounds, p̂ = ${report.loss.lossProbability} (95% confidence interval ${report.loss.ci95[0]}–${report.loss.ci95[1]}, geometric model).</p>
<h2>By hour</h2>
<table>
<tr><th>hour</th><th>IPv4 answered</th><th>IPv4 %</th><th>IPv6 answered</th><th>IPv6 %</th><th>server on</th></tr>
${rows}
</table>
</body>
</html>
`;
}
