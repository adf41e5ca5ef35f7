import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { escapeHtml } from '../../lib/html.js';
import { type ProberReport, reportSvg } from '../../services/reset-prober/report.js';
import type { ExperimentResult } from './experiments/index.js';
import type { Picture } from './pictures.js';
import { QUESTIONS, withUnit } from './questions.js';

export interface Environment {
  os: string;
  kernel: string;
  node: string;
  socklab: string;
  profile: string;
  /** Inside `socklab campus` (MTU 1500, course names) or on plain loopback. */
  network: 'campus' | 'loopback';
  /** The interface the PMU's segments arrived on: the student host's eth0 in the campus, lo elsewhere. */
  link: { name: string; mtu: number | null; gsoMaxSize: number | null; groMaxSize: number | null };
  rttMs: number | null;
  netem: string | null;
  timeZone: string;
  utcOffset: string;
  startedAt: string;
  endedAt: string;
}

export interface Notebook {
  environment: Environment;
  experiments: ExperimentResult[];
  /** The reset-prober's store by hour of day (Q17), when it has probes. */
  prober: ProberReport | null;
  /** What the capture shows, drawn (with --pcap). */
  pictures: Picture[];
}

// Nagle's coalescing of the d = 0 messages needs a round trip to wait on (handout Q11, Q12): without
// netem the link has none to speak of, which the note says as a fact of the measurement.
const SEGMENTS_NOTE = (environment: Environment) =>
  (environment.network === 'campus'
    ? `segment counts measured in socklab campus: the student host's ${environment.link.name} with MTU ${environment.link.mtu} (the course path's), one packet per segment`
    : `segment counts measured on plain loopback (MTU ${environment.link.mtu}): far fewer segments than on the course's path (MTU 1500); run inside socklab campus for those`) +
  (environment.netem === null ? `; no added path delay (no netem on ${environment.link.name}): Nagle's coalescing has no round trip to wait on, so counts such as Q11's d = 0 were measured without it` : '');

const heading = (question: string) => `${question}: ${QUESTIONS[question] ?? ''}`.replace(/: $/, '');

/** Q17's hours of day that have probes (the others are counted, not listed). */
function proberHours(report: ProberReport): { rows: string[][]; empty: number } {
  const probed = report.hours.filter((row) => row.IPv4.probed + row.IPv6.probed > 0);
  const share = (cell: { answered: number; probed: number }) => (cell.probed === 0 ? '—' : `${cell.answered}/${cell.probed}`);
  return { rows: probed.map((row) => [`${String(row.hour).padStart(2, '0')}:00`, share(row.IPv4), share(row.IPv6), row.serverOn ?? '—']), empty: 24 - probed.length };
}

const EMPTY_HOURS = (empty: number) => `${empty} of the 24 hours have no probe yet: the prober fills them in as it runs.`;

/** Questions in the handout's order, each with the experiments and values that answer it. */
function byQuestion(notebook: Notebook): Array<{ question: string; rows: Array<{ experiment: ExperimentResult; name: string; value: string }> }> {
  const questions = new Map<string, Array<{ experiment: ExperimentResult; name: string; value: string }>>();
  for (const experiment of notebook.experiments) {
    for (const measurement of experiment.measurements) {
      const rows = questions.get(measurement.question) ?? [];
      rows.push({ experiment, name: measurement.name, value: withUnit(measurement.value, measurement.unit) });
      questions.set(measurement.question, rows);
    }
  }
  return [...questions.entries()].sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))).map(([question, rows]) => ({ question, rows }));
}

export function notebookMarkdown(notebook: Notebook): string {
  const { environment } = notebook;
  const lines = [
    '# socklab lab notebook',
    '',
    `Measured ${environment.startedAt} to ${environment.endedAt} (${environment.timeZone}, UTC${environment.utcOffset}) on ${environment.os} ${environment.kernel}, Node.js ${environment.node}, socklab ${environment.socklab}, profile ${environment.profile}.`,
    '',
    `Network: ${SEGMENTS_NOTE(environment)}; TCP connect round trip ${withUnit(environment.rttMs, 'ms')}; netem ${environment.netem ?? 'none'}.`,
    '',
    'Measurements and the handout\'s definitions only: no prose answers. Every input and raw value is in notebook.json.',
    '',
  ];
  for (const { question, rows } of byQuestion(notebook)) {
    lines.push(`## ${heading(question)}`, '', '| measurement | value | experiment |', '| --- | --- | --- |');
    for (const row of rows) lines.push(`| ${row.name} | ${row.value.replace(/\|/g, '\\|')} | ${row.experiment.id} |`);
    for (const picture of notebook.pictures.filter((candidate) => candidate.question === question)) lines.push('', `Picture in notebook.html: ${picture.title}.`);
    lines.push('');
  }
  if (notebook.prober) {
    const { rows, empty } = proberHours(notebook.prober);
    lines.push('## Q17: the reset-prober\'s store, by hour of day', '', '| hour | IPv4 answered | IPv6 answered | server on |', '| --- | --- | --- | --- |', ...rows.map((row) => `| ${row.join(' | ')} |`), '', EMPTY_HOURS(empty), '');
  }
  lines.push('## Experiments', '');
  for (const experiment of notebook.experiments) {
    lines.push(`### ${experiment.title}`, '', `- command: \`${experiment.command}\``, `- inputs: \`${JSON.stringify(experiment.inputs)}\``, `- ${experiment.ok ? `measured in ${experiment.durationMs} ms` : `FAILED: ${experiment.error}`}`);
    for (const note of experiment.notes) lines.push(`- note: ${note}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}


/** One self-contained page: no script, no outside resource; everything from the network escaped. */
export function notebookHtml(notebook: Notebook): string {
  const { environment } = notebook;
  const sections = byQuestion(notebook)
    .map(
      ({ question, rows }) =>
        `<section id="${question}"><h2>${escapeHtml(heading(question))}</h2><table><tr><th>measurement</th><th>value</th><th>experiment</th></tr>${rows
          .map((row) => `<tr><td>${escapeHtml(row.name)}</td><td class="value">${escapeHtml(row.value)}</td><td>${escapeHtml(row.experiment.id)}</td></tr>`)
          .join('')}</table>${notebook.pictures
          .filter((picture) => picture.question === question)
          .map((picture) => `<figure class="picture" data-question="${question}">${picture.svg}<figcaption>${escapeHtml(picture.title)}</figcaption></figure>`)
          .join('')}</section>`,
    )
    .join('\n');
  const experiments = notebook.experiments
    .map(
      (experiment) =>
        `<li class="${experiment.ok ? 'ok' : 'failed'}"><strong>${escapeHtml(experiment.title)}</strong>: <code>${escapeHtml(experiment.command)}</code> ${experiment.ok ? `(${experiment.durationMs} ms)` : `FAILED: ${escapeHtml(experiment.error ?? '')}`}${experiment.notes
          .map((note) => `<br><em>${escapeHtml(note)}</em>`)
          .join('')}</li>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>socklab lab notebook</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left}.failed{color:#a33}.value{font-family:ui-monospace,monospace}figure{margin:1em 0}figure svg{max-width:100%;height:auto;margin-right:1em}figcaption{color:#555;font-size:12px}</style>
</head><body>
<h1>socklab lab notebook</h1>
<p>Measured ${escapeHtml(environment.startedAt)} to ${escapeHtml(environment.endedAt)} (${escapeHtml(environment.timeZone)}, UTC${escapeHtml(environment.utcOffset)}) on ${escapeHtml(`${environment.os} ${environment.kernel}`)}, Node.js ${escapeHtml(environment.node)}, socklab ${escapeHtml(environment.socklab)}.</p>
<p id="network">${escapeHtml(SEGMENTS_NOTE(environment))}.</p>
${sections}
${notebook.prober ? `<section id="prober"><h2>Q17: the reset-prober's store, by hour of day</h2>${reportSvg(notebook.prober)}<p>${escapeHtml(EMPTY_HOURS(proberHours(notebook.prober).empty))}</p></section>` : ''}
<h2>Experiments</h2><ul>${experiments}</ul>
</body></html>
`;
}

/** `sha256sum -c` lines for `files` in `dir`. */
export function sha256sums(dir: string, files: readonly string[]): string {
  return files.map((file) => `${createHash('sha256').update(readFileSync(path.join(dir, file))).digest('hex')}  ${file}\n`).join('');
}
