import { escapeHtml } from '../../lib/html.js';
import { terminalSafe } from '../../lib/terminal.js';
import { type CheckReport, STEP_IDS, STEP_TITLES, type StepResult, type Verdict } from '../../lib/check/report.js';

const MARK: Record<Verdict, string> = { pass: 'pass', fail: 'FAIL', 'not run': 'not run' };

function counts(steps: readonly StepResult[]): string {
  const failed = steps.filter((step) => step.verdict === 'fail').length;
  const notRun = steps.filter((step) => step.verdict === 'not run').length;
  return [`${steps.length - failed - notRun} passed`, `${failed} failed`, `${notRun} not run`].join(', ');
}

const indent = (text: string, by: string): string => text.split('\n').map((line) => `${by}${line}`).join('\n');

/** The report as a student reads it in a terminal: a line per step, the evidence of what failed. */
export function reportText(report: CheckReport): string {
  const who = report.camipro ? ` (${report.camipro.join(' and ')})` : '';
  const lines = [`socklab check ${report.folder}${who}, in ${(report.durationMs / 1000).toFixed(1)} s`, ''];
  for (const step of report.steps) {
    lines.push(`  ${MARK[step.verdict].padEnd(8)} ${STEP_TITLES[step.step]}`);
    lines.push(indent(step.reason, '           '));
    if (step.verdict === 'fail') {
      for (const item of step.evidence) lines.push(`           ${item.label}:`, indent(item.text.split('\n').slice(0, 8).join('\n'), '             | '));
    }
  }
  lines.push('', `${report.verdict === 'pass' ? 'PASS' : 'FAIL'}: ${counts(report.steps)}.`);
  // The folder's name, the reasons and the evidence are the student's: escape sequences in them are shown, not obeyed.
  return `${terminalSafe(lines.join('\n'))}\n`;
}

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2329}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #dde;padding:.4rem .5rem;text-align:left;vertical-align:top}
.pass{color:#0a6b2d;font-weight:600}.fail{color:#b00020;font-weight:600}.not-run{color:#6b6f76}
pre{background:#f5f6f8;padding:.5rem;overflow:auto;white-space:pre-wrap;font-size:13px;margin:.3rem 0}
details{margin:.2rem 0}summary{cursor:pointer;color:#3b4350}`;

function page(title: string, body: string): string {
  // No script, no external resource: the page opens from a mail or a grading archive as it is.
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

const verdictCell = (verdict: Verdict): string => `<span class="${verdict.replace(' ', '-')}">${escapeHtml(verdict)}</span>`;

/** One page a person reads: every step, its verdict and reason, the evidence folded under it. */
export function reportHtml(report: CheckReport): string {
  const rows = report.steps
    .map((step) => {
      const evidence = step.evidence
        .map((item) => `<details${step.verdict === 'fail' ? ' open' : ''}><summary>${escapeHtml(item.label)}</summary><pre>${escapeHtml(item.text)}</pre></details>`)
        .join('');
      return `<tr><td>${verdictCell(step.verdict)}</td><td><b>${escapeHtml(STEP_TITLES[step.step])}</b><br>${escapeHtml(step.reason)}${evidence}</td><td>${(step.durationMs / 1000).toFixed(1)} s</td></tr>`;
    })
    .join('\n');
  const who = report.camipro ? `CAMIPRO ${report.camipro.join(' and ')}` : 'CAMIPRO numbers unknown';
  return page(
    `socklab check ${report.folder}`,
    `<h1>${escapeHtml(report.folder)}: ${verdictCell(report.verdict)}</h1>
<p>${escapeHtml(who)}; checked ${escapeHtml(report.startedAt)} in ${(report.durationMs / 1000).toFixed(1)} s by socklab ${escapeHtml(report.socklab)}; ${escapeHtml(counts(report.steps))}.</p>
<table><tr><th>verdict</th><th>step</th><th>time</th></tr>
${rows}</table>
<p>Programs ran inside socklab campus (the course host names on emulators, no other network), each in a scratch copy of the folder with CPU, memory, process and output limits.</p>`,
  );
}

export interface SummaryRow {
  name: string;
  /** Link to the submission's page, relative to the summary. */
  href: string;
  report: CheckReport;
}

/** The batch's summary page: a row per submission, a column per step, each linking to its page. */
export function summaryHtml(rows: readonly SummaryRow[], title: string): string {
  const passed = rows.filter((row) => row.report.verdict === 'pass').length;
  const header = `<tr><th>submission</th><th>verdict</th>${STEP_IDS.map((id) => `<th title="${escapeHtml(STEP_TITLES[id])}">${escapeHtml(id)}</th>`).join('')}</tr>`;
  const body = rows
    .map(({ name, href, report }) => {
      const cells = STEP_IDS.map((id) => `<td>${verdictCell(report.steps.find((step) => step.step === id)?.verdict ?? 'not run')}</td>`).join('');
      return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></td><td>${verdictCell(report.verdict)}</td>${cells}</tr>`;
    })
    .join('\n');
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${passed} of ${rows.length} submissions pass every step.</p><table>${header}\n${body}</table>`);
}
