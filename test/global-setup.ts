import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every process the suite starts carries VITEST_SOCKLAB_SUITE (children inherit it; the helpers
 * keep it): once every test has run, one still alive is a leak. It is killed, named, and the run
 * fails. Vitest's own processes carry it too, and are left alone.
 */
const MARKER = 'VITEST_SOCKLAB_SUITE';

function leftovers(run: string): Array<{ pid: number; command: string }> {
  const found: Array<{ pid: number; command: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(`${MARKER}=${run}`)) continue;
      const command = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim();
      if (/vitest/.test(command) || command === '') continue; // vitest's workers; a zombie
      found.push({ pid: Number(name), command });
    } catch {
      // ended meanwhile, or not ours to read
    }
  }
  return found;
}

export function setup(): () => Promise<void> {
  const run = `${process.pid}-${Date.now()}`;
  process.env[MARKER] = run;
  return async () => {
    // A process killed by the last test's cleanup may take a moment to go.
    for (let waited = 0; waited < 3000 && leftovers(run).length > 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    const left = leftovers(run);
    for (const { pid } of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (left.length > 0) throw new Error(`the suite left ${left.length} processes running (killed now):\n${left.map((entry) => `  ${entry.pid} ${entry.command.slice(0, 200)}`).join('\n')}`);
  };
}
