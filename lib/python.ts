import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/**
 * One rule for which Python runs students' programs, for `check`, `campus`, `notebook` and
 * `doctor` alike (issue 23: check forced Debian's python3 while doctor asked the one on PATH):
 * `check.python` when set, else the first `python3` on PATH that has the modules a part needs.
 */

export interface Python {
  /** The interpreter as found (a venv's python3 stays the venv's). */
  executable: string;
  version: string;
  /** Folders it reads its standard library and packages from (a sandbox binds those outside /usr). */
  prefixes: string[];
}

export type PythonChoice = { ok: true; python: Python } | { ok: false; problem: string };

/** What to install for a module the handout's programs import. */
const PACKAGES: Record<string, { apt: string; pip: string }> = {
  websocket: { apt: 'python3-websocket', pip: 'websocket-client' },
};

// sys.executable, not the command found: a pyenv shim is a script that needs pyenv itself.
const PROBE = [
  'import importlib.util, json, sys',
  'print(json.dumps({"executable": sys.executable, "version": sys.version.split()[0], "prefixes": sorted({sys.prefix, sys.base_prefix, sys.exec_prefix}),',
  '  "missing": [m for m in sys.argv[1:] if importlib.util.find_spec(m) is None]}))',
].join('\n');

function executableOn(dir: string, name: string): string | null {
  const file = path.join(dir, name);
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    return null;
  }
}

/** Every `name` on PATH, in PATH's order (a venv's python3 links to the system's, yet is another Python). */
function onPath(name: string, pathVariable: string): string[] {
  const dirs = [...new Set(pathVariable.split(':').filter(Boolean))];
  return dirs.map((dir) => executableOn(dir, name)).filter((file): file is string => file !== null);
}

function probe(executable: string, modules: readonly string[]): { python: Python; missing: string[] } | null {
  const result = spawnSync(executable, ['-c', PROBE, ...modules], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) return null;
  try {
    const found = JSON.parse(result.stdout) as { executable: string; version: string; prefixes: string[]; missing: string[] };
    return { python: { executable: found.executable || executable, version: found.version, prefixes: found.prefixes }, missing: found.missing };
  } catch {
    return null;
  }
}

const installLine = (modules: readonly string[]) =>
  `sudo apt-get install ${modules.map((module) => PACKAGES[module]?.apt ?? `python3-${module}`).join(' ')} (or pip install ${modules.map((module) => PACKAGES[module]?.pip ?? module).join(' ')})`;

/**
 * Whether another user can run what is in `dir` (every folder on the way searchable by others, and
 * it readable): a sandbox's own user, when socklab is root, cannot reach a Python below /root.
 */
export function reachableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  try {
    if ((statSync(current).mode & 0o005) !== 0o005) return false;
    for (;;) {
      if ((statSync(current).mode & 0o001) === 0) return false;
      const parent = path.dirname(current);
      if (parent === current) return true;
      current = parent;
    }
  } catch {
    return false;
  }
}

/**
 * The Python for programs that import `modules`: `configured` (check.python) when set, else the
 * first python3 on PATH that has them and that `usable` accepts (it says why not, e.g. a sandbox's
 * user cannot reach it).
 */
export function choosePython(configured: string, modules: readonly string[], pathVariable = process.env.PATH ?? '', usable: (python: Python) => string | null = () => null): PythonChoice {
  const candidates = configured ? [configured.includes('/') ? configured : (onPath(configured, pathVariable)[0] ?? configured)] : onPath('python3', pathVariable);
  if (candidates.length === 0) return { ok: false, problem: 'no python3 on PATH; fix: sudo apt-get install python3' };
  const refused: string[] = [];
  let first: { python: Python; missing: string[] } | null = null;
  for (const candidate of candidates) {
    const found = probe(candidate, modules);
    const why = found ? usable(found.python) : null;
    if (why) refused.push(`${candidate}: ${why}`);
    else if (found && found.missing.length === 0) return { ok: true, python: found.python };
    else first ??= found;
  }
  if (!first) return { ok: false, problem: refused.length > 0 ? `no python3 can be used: ${refused.join('; ')}` : `${candidates[0]} does not run${configured ? ' (check.python)' : ''}` };
  const which = configured ? `${first.python.executable} (check.python)` : candidates.length > 1 ? `no python3 on PATH (${candidates.join(', ')})` : first.python.executable;
  return { ok: false, problem: `${which} has no module ${first.missing.join(', ')}; fix: ${installLine(first.missing)}` };
}

export const describePython = (python: Python): string => `Python ${python.version} (${python.executable})`;

/** The Python by the same rule for programs of the standard library alone, or null where there is none. */
export function pythonExecutable(configured: string): string | null {
  const choice = choosePython(configured, []);
  return choice.ok ? choice.python.executable : null;
}
