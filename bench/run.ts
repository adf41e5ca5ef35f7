import { type BenchResult, markdown } from './harness.js';

const BENCHMARKS: Record<string, () => Promise<{ run(): Promise<BenchResult> }>> = {
  startup: () => import('./startup.js'),
  'pmu-tcp-load': () => import('./pmu-tcp-load.js'),
  'pmu-udp-rate': () => import('./pmu-udp-rate.js'),
  'flood-server': () => import('./flood-server.js'),
  'flood-client': () => import('./flood-client.js'),
  'ws-messages': () => import('./ws-messages.js'),
  'reset-runs': () => import('./reset-runs.js'),
  'prober-soak': () => import('./prober-soak.js'),
  'recorder-burst': () => import('./recorder-burst.js'),
  'tls-handshakes': () => import('./tls-handshakes.js'),
  'tls-idle-lockout': () => import('./tls-idle-lockout.js'),
  'tls-soak': () => import('./tls-soak.js'),
  'cert-key': () => import('./cert-key.js'),
  'campus-startup': () => import('./campus-startup.js'),
  'campus-segments': () => import('./campus-segments.js'),
  'prober-report-year': () => import('./prober-report-year.js'),
  'dashboard-feed': () => import('./dashboard-feed.js'),
  'dashboard-draw': () => import('./dashboard-draw.js'),
  notebook: () => import('./notebook.js'),
  check: () => import('./check.js'),
};

/** `npm run bench [-- NAME...]`: runs the benchmarks and prints their figures as Markdown. */
async function main(names: string[]): Promise<number> {
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const unknown = selected.filter((name) => !BENCHMARKS[name]);
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; benchmarks: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    return 2;
  }
  let failed = 0;
  for (const name of selected) {
    process.stderr.write(`running ${name}…\n`);
    const result = await (await BENCHMARKS[name]!()).run();
    process.stdout.write(`${markdown(result)}\n`);
    if (!result.pass) failed += 1;
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
