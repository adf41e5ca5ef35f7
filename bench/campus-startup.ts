import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';
import { alternate, type BenchResult, CLI, median } from './harness.js';

const ROUNDS = 9;
/** The last commit whose campus was one network namespace with only lo: the side-by-side baseline. */
const ONE_NAMESPACE_CAMPUS = '6486171';

/** `socklab campus -- true` from start to exit with the CLI at `cli`. */
function campusTrue(cli: string): () => number {
  return () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, [cli, 'campus', '--', 'true'], { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`${cli} campus -- true exited ${result.status}`);
    return performance.now() - started;
  };
}

/** The baseline commit, built beside this tree (a git worktree sharing node_modules). */
function buildBaseline(): { cli: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-campus-baseline-'));
  const git = (...args: string[]) => {
    const result = spawnSync('git', args, { cwd: projectRoot, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  };
  git('worktree', 'add', '--detach', dir, ONE_NAMESPACE_CAMPUS);
  const remove = () => {
    spawnSync('git', ['worktree', 'remove', '--force', dir], { cwd: projectRoot });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    symlinkSync(path.join(projectRoot, 'node_modules'), path.join(dir, 'node_modules'));
    const built = spawnSync(process.execPath, [path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`building ${ONE_NAMESPACE_CAMPUS}: ${built.stdout}${built.stderr}`);
    return { cli: path.join(dir, 'dist', 'cli', 'main.js'), remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Issue 21: the campus of hosts (course network, a student host, veth link) against the one-namespace campus it replaced. */
export async function run(): Promise<BenchResult> {
  const baseline = buildBaseline();
  try {
    const samples = await alternate(ROUNDS, { hosts: campusTrue(CLI), one: campusTrue(baseline.cli) });
    const ratio = median(samples.hosts!) / median(samples.one!);
    return {
      name: '`socklab campus -- true`: the course hosts and a student host on a veth link, against the one-namespace campus (only lo) of commit 6486171',
      table: [
        ['campus', `median ms (${ROUNDS} alternating runs)`, 'samples'],
        ['course network + student host (now)', median(samples.hosts!).toFixed(0), samples.hosts!.map((value) => value.toFixed(0)).join(', ')],
        ['one namespace, lo only (6486171)', median(samples.one!).toFixed(0), samples.one!.map((value) => value.toFixed(0)).join(', ')],
        ['ratio', ratio.toFixed(2), ''],
      ],
      verdict: `ratio ${ratio.toFixed(2)} (target ≤ 1.5)`,
      pass: ratio <= 1.5,
    };
  } finally {
    baseline.remove();
  }
}
