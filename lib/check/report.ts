import type { CsvValue } from '../csv.js';
import { plural } from '../words.js';
import { OPTIONAL_STEPS, PROGRAM_STEPS, type ProgramStep } from './submission.js';

/** The verdict of one step, and of a submission. */
export type Verdict = 'pass' | 'fail' | 'not run';

export const STEP_IDS = ['names', 'keys', ...PROGRAM_STEPS] as const;
export type StepId = (typeof STEP_IDS)[number];

export const STEP_TITLES: Record<StepId, string> = {
  names: 'Names: folder and files as the handout asks',
  keys: 'Part 6 key and certificate',
  part2: 'Part 2: TCP client (PDC)',
  part3: 'Part 3: dual-stack UDP RESET client',
  'part4-receiver': 'Part 4.1: multicast receiver',
  'part4-sender': 'Part 4.2: multicast sender',
  part5: 'Part 5: WebSocket client',
  part6: 'Part 6: TLS server (PMU), bonus',
};

export interface Evidence {
  /** What this is: "output of CMD_short:0", "the emulator received"… */
  label: string;
  text: string;
}

export interface StepResult {
  step: StepId;
  verdict: Verdict;
  /** One sentence: why it passed, failed or was not run. */
  reason: string;
  evidence: Evidence[];
  durationMs: number;
}

export interface CheckReport {
  /** The path given (folder or zip). */
  submission: string;
  folder: string;
  camipro: [string, string] | null;
  verdict: 'pass' | 'fail';
  steps: StepResult[];
  startedAt: string;
  durationMs: number;
  socklab: string;
  /** Why a batch could not check it at all (not a submission, an unreadable zip): a `refused` row in grades.csv. */
  refused?: string;
}

/** A step that is not run counts against the submission unless it is the optional bonus (absent) or depends on it. */
function blocks(step: StepResult): boolean {
  if (step.verdict === 'fail') return true;
  if (step.verdict === 'pass') return false;
  return !(step.step === 'keys' || OPTIONAL_STEPS.has(step.step as ProgramStep));
}

export function overallVerdict(steps: readonly StepResult[]): 'pass' | 'fail' {
  return steps.some(blocks) ? 'fail' : 'pass';
}

export function notRun(step: StepId, reason: string): StepResult {
  return { step, verdict: 'not run', reason, evidence: [], durationMs: 0 };
}

/** Keeps evidence readable: the first lines of a long output, and how much was left out. */
export function trimmed(text: string, maxLines = 25, maxChars = 3000): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  let kept = lines.slice(0, maxLines).join('\n');
  if (kept.length > maxChars) kept = `${kept.slice(0, maxChars)}…`;
  const left = lines.length - Math.min(lines.length, maxLines);
  return left > 0 ? `${kept}\n… (${plural(left, 'more line')})` : kept;
}

export const GRADES_COLUMNS = ['submission', 'camipro1', 'camipro2', 'verdict', ...STEP_IDS, 'checked_at', 'seconds', 'reason'] as const;

/** One row of grades.csv: a column per step. */
export function gradesRow(name: string, report: CheckReport): CsvValue[] {
  const verdictOf = (id: StepId) => report.steps.find((step) => step.step === id)?.verdict ?? 'not run';
  const verdict = report.refused === undefined ? report.verdict : 'refused';
  return [name, report.camipro?.[0] ?? '', report.camipro?.[1] ?? '', verdict, ...STEP_IDS.map(verdictOf), report.startedAt, (report.durationMs / 1000).toFixed(1), report.refused ?? ''];
}

/**
 * Gradescope's autograder results.json: one test per step, 1 point each (part 6 as extra credit
 * above max_score, as the handout's bonus). Steps not run score 0.
 */
export function gradescopeResults(report: CheckReport): Record<string, unknown> {
  const tests = report.steps.map((step) => ({
    name: STEP_TITLES[step.step],
    score: step.verdict === 'pass' ? 1 : 0,
    max_score: step.step === 'part6' ? 0 : 1,
    status: step.verdict === 'pass' ? 'passed' : 'failed',
    output: [`${step.verdict}: ${step.reason}`, ...step.evidence.map((item) => `--- ${item.label}\n${item.text}`)].join('\n'),
  }));
  return {
    score: tests.reduce((sum, test) => sum + test.score, 0),
    max_score: tests.reduce((sum, test) => sum + test.max_score, 0),
    execution_time: Math.round(report.durationMs / 1000),
    output: `socklab check ${report.folder}: ${report.verdict}`,
    tests,
  };
}
