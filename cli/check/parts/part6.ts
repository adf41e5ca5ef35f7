import { setTimeout as sleep } from 'node:timers/promises';
import { type GraderReport, runGrader } from '../../../lib/clients/grader.js';
import { type Judgement } from '../../../lib/check/judge.js';
import { type Evidence } from '../../../lib/check/report.js';
import { plural } from '../../../lib/words.js';

import { attemptsEvidence, combine, type Context, type PartResult, crashReason, outputEvidence, runAdapting, start, unlessFolderChanged } from './context.js';

const PART6_LISTEN_MS = 10_000;
/** The grader on the server's own host: 5 s without a byte is a server that will not close. */
const GRADER_TIMEOUT_SECONDS = 5;

/** Connectable address for a listening one, from the student host itself: the wildcard means its loopback. */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (/^[0:]+$/.test(address)) return '::1';
  return address;
}

/** What the handout's grader made of the server, in one judgement. */
function graderJudgement(report: GraderReport): Judgement {
  const bad = report.messages.find((message) => !/^This is PMU data \d+$/.test(message.trim()));
  const { asWritten, verifying } = report;
  if (!asWritten.ok && report.messages.length > 0 && /timed out/i.test(asWritten.error)) {
    return { ok: false, reason: `sent ${plural(report.messages.length, 'message')} but never closed the connection (the grader reads until the server closes)` };
  }
  if (!asWritten.ok) return { ok: false, reason: `the handout's grader (SSLContext(PROTOCOL_SSLv23)) failed: ${asWritten.error}` };
  if (report.messages.length === 0) return { ok: false, reason: 'the handout\'s grader sent CMD_short:0 and got no message' };
  if (bad !== undefined) return { ok: false, reason: `the grader got ${JSON.stringify(bad.slice(0, 60))}, not "This is PMU data i"` };
  if (verifying && !verifying.ok) return { ok: false, reason: `a client that verifies the certificate against the CA refuses it: ${verifying.error}` };
  return { ok: true, reason: `the grader got ${report.messages.length} messages over ${asWritten.version}${verifying ? '; a verifying client accepts the certificate' : ' (no --ca: the certificate chain was not verified)'}` };
}

/** Part 6: the server, run with its own key and certificate, and the handout's grader (then a verifying one) sending CMD_short:0. */
export async function part6(context: Context): Promise<PartResult> {
  const startedAt = performance.now();
  const { cert, key } = context.plan;
  const values = { ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  const adapted = await runAdapting<{ judgement: Judgement; evidence: Evidence[] }>(context, 'part6', values, async (call) => {
    const program = start(context, 'part6', call.args, { stdin: call.stdin, timeoutMs: context.timeoutMs + PART6_LISTEN_MS + 30_000 });
    let exited = false;
    void program.finished.then(() => (exited = true));
    const deadline = performance.now() + PART6_LISTEN_MS;
    let sockets = program.listening();
    while (sockets.length === 0 && !exited && performance.now() < deadline) {
      await sleep(100);
      sockets = program.listening();
    }
    const listening = sockets[0];
    if (!listening) {
      const run = await program.stop();
      const crash = crashReason(run);
      const reason = exited ? `the server exited before it listened on a TCP port${crash ? `: ${crash}` : ''}` : `the server did not listen on a TCP port within ${PART6_LISTEN_MS / 1000} s`;
      return { run, contacted: false, result: { judgement: { ok: false, reason, timing: !exited }, evidence: [] } };
    }
    const host = reachable(listening.address);
    // The grader on the server's own host: a server that listens on localhost only is still reached.
    const report = await runGrader({ host, port: listening.port, ca: context.plan.ca ?? '', command: 'CMD_short:0', servername: '', timeoutSeconds: GRADER_TIMEOUT_SECONDS, wrap: (command) => context.hostOf('part6').wrap(command) });
    const evidence = [{ label: 'grader', text: `listening on ${listening.address} port ${listening.port}\n${report.summary}` }];
    return { run: await program.stop(), contacted: true, result: { judgement: graderJudgement(report), evidence } };
  });
  let judgement = adapted.result.judgement;
  if (adapted.noConvention) judgement = { ok: false, reason: `${adapted.noConvention}; ${judgement.reason}` };
  judgement = unlessFolderChanged(judgement, adapted.run);
  const evidence = [attemptsEvidence('server', adapted.attempts), ...adapted.result.evidence, ...outputEvidence('server', adapted.run, context)];
  return combine('part6', [{ label: 'TLS server', judgement, evidence }], startedAt);
}
