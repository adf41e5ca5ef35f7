import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import { isRoot } from '../../lib/campus/doctor.js';
import { type Layout, PROGRAM_STEPS, type ProgramStep, programCommand } from '../../lib/check/submission.js';
import { choosePython, describePython, type Python, reachableByOthers } from '../../lib/python.js';
import type { CheckPlan } from './programs.js';

/** A file's first bytes, or "" when it cannot be read (the step that needs it says why). */
export function firstBytes(file: string, count = 4096): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const buffer = Buffer.alloc(count);
    return buffer.subarray(0, readSync(fd, buffer, 0, count, 0)).toString('latin1');
  } catch {
    return '';
  } finally {
    closeSync(fd);
  }
}

/** Processes the user runs now: RLIMIT_NPROC counts them with the programs' when there is no user of their own. */
function userProcesses(): number {
  const uid = process.getuid?.() ?? 0;
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${name}/status`, 'utf8'))) count += 1;
    } catch {
      // ended meanwhile
    }
  }
  return count;
}

/** As root, programs run as users of their own (uids leased below check.sandboxUid): their Python must be theirs to read. */
function sandboxCanRun(python: Python): string | null {
  if (!isRoot()) return null;
  const unreachable = [path.dirname(python.executable), ...python.prefixes].find((dir) => !reachableByOthers(dir));
  return unreachable ? `${unreachable} cannot be read by the users programs run as` : null;
}

/** The modules a part's programs import beyond the standard library (the handout's part 5 uses websocket-client). */
const PYTHON_MODULES: Record<ProgramStep, string[]> = { part2: [], part3: [], 'part4-receiver': [], 'part4-sender': [], part5: ['websocket'], part6: [] };

export function planOf(layout: Layout, folder: string, config: Config, ca: string | undefined, uids: number[] | null): CheckPlan {
  const programs: CheckPlan['programs'] = {};
  for (const step of PROGRAM_STEPS) {
    const file = layout.programs[step];
    if (!file) continue;
    const command = programCommand(file, firstBytes(path.join(folder, file), 200).split('\n')[0] ?? '', config.check.run);
    if (!command.ok) {
      programs[step] = { file, reason: command.reason };
      continue;
    }
    if (!/^python3?$/.test(command.command[0]!)) {
      programs[step] = { file, command: command.command, interpreter: command.command[0]!, readOnly: [] };
      continue;
    }
    // One interpreter rule (lib/python.ts): check.python, else the first python3 on PATH with the part's modules.
    const choice = choosePython(config.check.python, PYTHON_MODULES[step], process.env.PATH, sandboxCanRun);
    programs[step] = choice.ok
      ? { file, command: [choice.python.executable, ...command.command.slice(1)], interpreter: describePython(choice.python), readOnly: choice.python.prefixes }
      : { file, reason: `not run: ${choice.problem}` };
  }
  return {
    folder,
    camipro: layout.camipro ?? [],
    programs,
    ca: ca ? path.resolve(ca) : null,
    uids,
    processBase: isRoot() ? 0 : userProcesses(),
    cert: layout.cert,
    key: layout.key,
  };
}
