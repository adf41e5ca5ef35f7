import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CA_CERT, initCa, signCsr } from '../lib/certs/ca.js';
import { makeCsr } from '../lib/certs/csr.js';
import { makeKey } from '../lib/certs/key.js';
import type { ProgramStep } from '../lib/check/submission.js';
import { PROGRAM_PREFIX } from '../lib/check/submission.js';
import { projectRoot } from '../lib/paths.js';

/**
 * Submissions for `socklab check`, made of test programs: the handout-style solutions
 * (test/interop/python/handout) and those written for the checker's tests
 * (test/interop/python/submission). Used by the tests and by the benchmark alike.
 */

const PROGRAMS = path.join(projectRoot, 'test', 'interop', 'python');
export const CAMIPRO = ['123456', '654321'] as const;
export const FOLDER = `Lab3_${CAMIPRO[0]}_${CAMIPRO[1]}`;

/** A correct solution of every part. */
export const CORRECT_PROGRAMS: Record<ProgramStep, string> = {
  part2: 'handout/part2.py',
  part3: 'handout/part3.py',
  'part4-receiver': 'handout/part4_receiver.py',
  'part4-sender': 'handout/part4_sender.py',
  part5: 'handout/part5.py',
  part6: 'submission/part6.py',
};

/** A correct solution of every part whose programs take their input other ways than the handout's (issue 23). */
export const CONVENTION_PROGRAMS: Record<ProgramStep, string> = {
  part2: 'conventions/part2_host_port_command.py',
  part3: 'conventions/part3_experiment.py',
  'part4-receiver': 'conventions/part4_receiver_group_port.py',
  'part4-sender': 'conventions/part4_sender_group_port_id.py',
  part5: 'conventions/part5_menu.py',
  part6: 'conventions/part6_cert_key.py',
};

export interface CourseMaterial {
  caCert: string;
  /** The key the certificate was made for, and another one. */
  key: string;
  otherKey: string;
  cert: string;
  /** The handout's own `openssl genrsa … 1024` key and its certificate, which Python ≥ 3.10 refuses at security level 2. */
  weakKey: string;
  weakCert: string;
}

/** A course CA and a certificate it signed for a part 6 server, as the course hands them out. */
export function courseMaterial(dir: string): CourseMaterial {
  const ca = path.join(dir, 'ca');
  const material = {
    caCert: path.join(ca, CA_CERT),
    key: path.join(dir, 'server_key.pem'),
    otherKey: path.join(dir, 'other_key.pem'),
    cert: path.join(dir, 'server.cert.pem'),
    weakKey: path.join(dir, 'weak_key.pem'),
    weakCert: path.join(dir, 'weak.cert.pem'),
  };
  initCa({ dir: ca, cn: 'course CA', days: 30, force: false });
  makeKey({ bits: 2048, out: material.key, force: false });
  makeKey({ bits: 2048, out: material.otherKey, force: false });
  makeCsr({ keyFile: material.key, subject: { cn: 'pmu.example' }, sans: ['DNS:pmu.example'], out: path.join(dir, 'server.csr'), force: false });
  signCsr({ caDir: ca, csrFile: path.join(dir, 'server.csr'), days: 30, out: material.cert, force: false });
  makeKey({ bits: 1024, out: material.weakKey, force: false });
  makeCsr({ keyFile: material.weakKey, subject: { cn: 'pmu.example' }, sans: ['DNS:pmu.example'], out: path.join(dir, 'weak.csr'), force: false });
  signCsr({ caDir: ca, csrFile: path.join(dir, 'weak.csr'), days: 30, out: material.weakCert, force: false });
  return material;
}

export interface SubmissionSpec {
  /** Each part's program, as a path below test/interop/python. */
  programs: Partial<Record<ProgramStep, string>>;
  /** File names that differ from the handout's, by part. */
  names?: Partial<Record<ProgramStep, string>>;
  key?: 'matching' | 'other' | 'weak';
}

/** `parent/Lab3_123456_654321`, readable by every user, with the programs, a report, and the key material when asked. */
export function buildSubmission(parent: string, spec: SubmissionSpec, material: CourseMaterial): string {
  const [one, two] = CAMIPRO;
  const folder = path.join(parent, FOLDER);
  mkdirSync(folder, { recursive: true });
  for (const [step, program] of Object.entries(spec.programs) as Array<[ProgramStep, string]>) {
    copyFileSync(path.join(PROGRAMS, program), path.join(folder, spec.names?.[step] ?? `${PROGRAM_PREFIX[step]}_${one}_${two}.py`));
  }
  writeFileSync(path.join(folder, 'report.pdf'), '%PDF-1.4\n% the filled-in handout\n');
  if (spec.key) {
    const key = { matching: material.key, other: material.otherKey, weak: material.weakKey }[spec.key];
    copyFileSync(key, path.join(folder, `${one}_key.pem`));
    chmodSync(path.join(folder, `${one}_key.pem`), 0o644); // as a zip gives it
    copyFileSync(spec.key === 'weak' ? material.weakCert : material.cert, path.join(folder, `${one}.cert.pem`));
  }
  for (const dir of [parent, folder]) chmodSync(dir, 0o755);
  return folder;
}
