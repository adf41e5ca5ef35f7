import type { ProgramRun } from '../sandbox/program.js';

/**
 * How a program takes its input (issue 23: real solutions take `HOST PORT COMMAND`, `GROUP PORT
 * ID`, `CERT KEY`, a prompt, or nothing at all): an argv template and, optionally, what is typed
 * on its standard input. Placeholders in braces are filled per scenario.
 */
export interface Convention {
  args: string[];
  /** Written to standard input, which is then closed; none: standard input is empty. */
  stdin?: string;
}

export const PLACEHOLDERS = ['command', 'host', 'port', 'group', 'id', 'cert', 'key', 'menu', 'delay', 'lines'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type PlaceholderValues = Partial<Record<Placeholder, string>>;

const PLACEHOLDER = /\{([a-z]+)\}/g;

export function isConvention(value: unknown): value is Convention {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { args, stdin, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || !Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) return false;
  if (stdin !== undefined && typeof stdin !== 'string') return false;
  const texts = [...(args as string[]), ...(stdin === undefined ? [] : [stdin])];
  return texts.every((text) => [...text.matchAll(PLACEHOLDER)].every((match) => (PLACEHOLDERS as readonly string[]).includes(match[1]!)));
}

/** The convention with its placeholders filled, or null when one has no value here (no CAMIPRO number, no certificate). */
export function fillConvention(convention: Convention, values: PlaceholderValues): { args: string[]; stdin?: string } | null {
  let missing = false;
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (_, name: Placeholder) => {
      const value = values[name];
      if (value === undefined) missing = true;
      return value ?? '';
    });
  const args = convention.args.map(fill);
  const stdin = convention.stdin === undefined ? undefined : fill(convention.stdin);
  return missing ? null : { args, ...(stdin === undefined ? {} : { stdin }) };
}

/** A convention in a TA's words: `HOST PORT COMMAND`, `no arguments, "{menu}\n{delay}\n" typed`. */
export function describeConvention(convention: Convention): string {
  const args = convention.args.length > 0 ? convention.args.map((arg) => arg.replace(PLACEHOLDER, (_, name: string) => name.toUpperCase())).join(' ') : 'no arguments';
  return convention.stdin === undefined ? args : `${args}, ${JSON.stringify(convention.stdin.replace(PLACEHOLDER, (_, name: string) => name.toUpperCase()))} typed`;
}

/**
 * Why a run looks like a program called the wrong way (it wants other arguments or input), or null.
 * Only a run that reached no server counts: a program that talked to one was called right.
 */
export function usageError(run: ProgramRun, contacted: boolean): string | null {
  if (contacted || run.end !== 'exited' || run.folderChanges.length > 0) return null;
  const output = `${run.stdout}\n${run.stderr}`;
  const traceback = /Traceback \(most recent call last\)/.test(run.stderr);
  const last = run.stderr.trim().split('\n').at(-1)?.trim() ?? '';
  if (traceback && /^(IndexError|ValueError)\b/.test(last) && /sys\.argv/.test(run.stderr)) return `${last.slice(0, 120)} (on sys.argv)`;
  if (traceback && /^EOFError\b/.test(last)) return 'it waited for input that was not given (EOFError)';
  if (traceback && /^ValueError\b/.test(last) && /\binput\(/.test(run.stderr)) return `${last.slice(0, 120)} (on what was typed)`;
  const usage = /^\s*usage\s*:.*$/im.exec(output);
  if (usage) return `it printed ${JSON.stringify(usage[0].trim().slice(0, 100))}`;
  if (run.exitCode === 2) return 'it exited with status 2 before reaching any server';
  return null;
}
