import { setTimeout as sleep } from 'node:timers/promises';
import { runGrader } from '../../../lib/clients/grader.js';
import { type Judgement } from '../../../lib/check/judge.js';
import { type Evidence, type StepResult } from '../../../lib/check/report.js';

import { combine, type Context, crashReason, outputEvidence, start, unlessFolderChanged } from './context.js';

const PART6_LISTEN_MS = 10_000;

/** Connectable address for a listening one, from the student host itself: the wildcard means its loopback. */
function reachable(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (/^[0:]+$/.test(address)) return '::1';
  return address;
}

/** Part 6: the server, run with its own key and certificate, and the handout's grader (then a verifying one) sending CMD_short:0. */
export async function part6(context: Context): Promise<StepResult> {
  const startedAt = performance.now();
  const program = start(context, 'part6', [], { timeoutMs: context.timeoutMs + PART6_LISTEN_MS + 30_000 });
  let exited = false;
  void program.finished.then(() => (exited = true));
  const deadline = Date.now() + PART6_LISTEN_MS;
  let sockets = program.listening();
  while (sockets.length === 0 && !exited && Date.now() < deadline) {
    await sleep(100);
    sockets = program.listening();
  }
  const listening = sockets[0];
  let judgement: Judgement;
  const evidence: Evidence[] = [];
  if (!listening) {
    const crash = exited ? crashReason(await program.finished) : null;
    judgement = { ok: false, reason: exited ? `the server exited before it listened on a TCP port${crash ? `: ${crash}` : ''}` : `the server did not listen on a TCP port within ${PART6_LISTEN_MS / 1000} s` };
  } else {
    const host = reachable(listening.address);
    // The grader on the server's own host: a server that listens on localhost only is still reached.
    const report = await runGrader({ host, port: listening.port, ca: context.plan.ca ?? '', command: 'CMD_short:0', servername: '', wrap: (command) => context.hostOf('part6').wrap(command) });
    evidence.push({ label: 'grader', text: `listening on ${listening.address} port ${listening.port}\n${report.summary}` });
    const bad = report.messages.find((message) => !/^This is PMU data \d+$/.test(message.trim()));
    if (!report.asWritten.ok) judgement = { ok: false, reason: `the handout's grader (SSLContext(PROTOCOL_SSLv23)) failed: ${report.asWritten.error}` };
    else if (report.messages.length === 0) judgement = { ok: false, reason: 'the handout\'s grader sent CMD_short:0 and got no message' };
    else if (bad !== undefined) judgement = { ok: false, reason: `the grader got ${JSON.stringify(bad.slice(0, 60))}, not "This is PMU data i"` };
    else if (report.verifying && !report.verifying.ok) judgement = { ok: false, reason: `a client that verifies the certificate against the CA refuses it: ${report.verifying.error}` };
    else judgement = { ok: true, reason: `the grader got ${report.messages.length} messages over ${report.asWritten.version}${report.verifying ? '; a verifying client accepts the certificate' : ' (no --ca: the certificate chain was not verified)'}` };
  }
  const run = await program.stop();
  evidence.push(...outputEvidence('server', run, context));
  judgement = unlessFolderChanged(judgement, run);
  return combine('part6', [{ label: 'TLS server', judgement, evidence }], startedAt);
}
