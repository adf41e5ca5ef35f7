import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { csvLine } from '../../lib/csv.js';
import { type CheckReport, GRADES_COLUMNS, gradescopeResults, gradesRow, notRun, STEP_IDS } from '../../lib/check/report.js';
import { socklabError } from '../../lib/errors.js';
import { terminalSafe } from '../../lib/terminal.js';
import { socklabVersion } from '../../lib/paths.js';
import { progressBar } from '../../lib/progress.js';
import { signalExitCode, STOP_SIGNALS } from '../../lib/signals.js';
import { reportHtml, summaryHtml } from './render.js';

export interface BatchFlags {
  ca?: string;
  out?: string;
  jobs: number;
  force?: boolean;
}

const usage = (message: string) => socklabError('SOCKLAB_ERR_USAGE', message);

/** Submissions in DIR: folders and zips, in name order (hidden entries and OUT itself left out). */
function submissionsIn(dir: string, out: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .filter((entry) => (entry.isDirectory() && path.resolve(dir, entry.name) !== out) || (entry.isFile() && path.extname(entry.name).toLowerCase() === '.zip'))
    .map((entry) => entry.name)
    .sort();
}

/** The command line without the batch's own options: what each single check is run with. */
function singleCheckArgs(argv: readonly string[]): string[] {
  const valued = new Set(['--batch', '--out', '--jobs', '--html']);
  const args: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    const name = arg.split('=')[0]!;
    if (valued.has(name)) {
      if (!arg.includes('=')) index += 1;
      continue;
    }
    if (arg === '--force' || arg === '--json') continue;
    args.push(arg);
  }
  return args;
}

/** A submission the checker refused (exit 2: a bad zip, not a submission) still gets a row, failed on its names. */
function refusedReport(target: string, problem: string): CheckReport {
  return {
    submission: target,
    folder: path.basename(target),
    camipro: null,
    verdict: 'fail',
    steps: STEP_IDS.map((step) => (step === 'names' ? { step, verdict: 'fail', reason: problem, evidence: [], durationMs: 0 } : notRun(step, 'the submission could not be opened'))),
    startedAt: new Date().toISOString(),
    durationMs: 0,
    socklab: socklabVersion(),
    refused: problem,
  };
}

function checkOne(args: string[], target: string, children: Set<ReturnType<typeof spawn>>): Promise<CheckReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...args, target, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      if (code === 0 || code === 1) {
        try {
          return resolve(JSON.parse(stdout) as CheckReport);
        } catch {
          // fall through: not a report
        }
      }
      if (code === 2) return resolve(refusedReport(target, stderr.trim().replace(/^socklab: /, '')));
      reject(new Error(`checking ${target} ended with ${signal ?? `exit ${code}`}: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** Writes a submission's files; report.json last, by rename, so that it marks a finished check (resume). */
function writeResults(folder: string, report: CheckReport): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'report.html'), reportHtml(report));
  writeFileSync(path.join(folder, 'results.json'), `${JSON.stringify(gradescopeResults(report), null, 2)}\n`);
  writeFileSync(path.join(folder, 'report.json.partial'), JSON.stringify(report, null, 2));
  renameSync(path.join(folder, 'report.json.partial'), path.join(folder, 'report.json'));
}

class Progress {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly skipped: number,
  ) {}

  finished(name: string, report: CheckReport): void {
    this.done += 1;
    const tty = process.stderr.isTTY === true;
    const line = `[${this.done}/${this.total}] ${terminalSafe(name)}: ${report.verdict} (${(report.durationMs / 1000).toFixed(1)} s)`;
    if (!tty) return void process.stderr.write(`${line}\n`);
    process.stderr.write(`\r\x1b[K${line}\n${progressBar(this.done, this.total)} checked${this.skipped ? `, ${this.skipped} already graded` : ''}`);
    if (this.done === this.total) process.stderr.write('\n');
  }
}

/**
 * `socklab check --batch DIR --out OUT`: every submission in DIR, `jobs` at once, each in its own
 * campus; OUT/<name>/{report.html,results.json,report.json}, OUT/grades.csv and OUT/index.html.
 * A second run skips what OUT already holds unless `force`.
 */
export async function runBatch(dir: string, flags: BatchFlags, argv: string[]): Promise<number> {
  if (!flags.out) throw usage('--batch needs --out OUT, the folder for grades.csv and the reports');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw usage(`--batch ${dir}: no such folder`);
  const out = path.resolve(flags.out);
  mkdirSync(out, { recursive: true });
  const names = submissionsIn(dir, out);
  const graded = (name: string) => existsSync(path.join(out, name, 'report.json'));
  const todo = names.filter((name) => flags.force || !graded(name));
  const kept = names.length - todo.length;
  process.stderr.write(`socklab check: ${names.length} submissions in ${dir}: ${kept > 0 ? `${kept} already graded (kept; --force checks them again), ` : ''}${todo.length} to check, ${flags.jobs} at once\n`);

  const args = singleCheckArgs(argv);
  const children = new Set<ReturnType<typeof spawn>>();
  let stopped: NodeJS.Signals | null = null;
  const stop = (signal: NodeJS.Signals): void => {
    stopped ??= signal;
    for (const child of children) child.kill('SIGTERM');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  const progress = new Progress(todo.length, names.length - todo.length);
  const queue = [...todo];
  const failures: string[] = [];
  try {
    await Promise.all(
      Array.from({ length: Math.min(flags.jobs, queue.length) }, async () => {
        for (let name = queue.shift(); name !== undefined && !stopped; name = queue.shift()) {
          try {
            const report = await checkOne(args, path.join(dir, name), children);
            if (stopped) return;
            writeResults(path.join(out, name), report);
            progress.finished(name, report);
          } catch (error) {
            if (!stopped) failures.push((error as Error).message);
          }
        }
      }),
    );
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
  }
  if (stopped) {
    process.stderr.write(`socklab check: stopped by ${stopped}; what was finished is kept, run the same command again to go on\n`);
    return signalExitCode(stopped);
  }
  const rows = names.filter(graded).map((name) => ({ name, href: `${encodeURIComponent(name)}/report.html`, report: JSON.parse(readFileSync(path.join(out, name, 'report.json'), 'utf8')) as CheckReport }));
  writeFileSync(path.join(out, 'grades.csv'), [csvLine(GRADES_COLUMNS), ...rows.map((row) => csvLine(gradesRow(row.name, row.report)))].join(''));
  writeFileSync(path.join(out, 'index.html'), summaryHtml(rows, `socklab check: ${path.basename(path.resolve(dir))}`));
  const passed = rows.filter((row) => row.report.verdict === 'pass').length;
  process.stdout.write(`${rows.length} of ${names.length} submissions graded, ${passed} pass every step: ${path.join(out, 'grades.csv')}, ${path.join(out, 'index.html')}\n`);
  for (const failure of failures) process.stderr.write(`socklab check: ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}
