import path from 'node:path';

/**
 * What the handout asks a group to hand in (its "What source code to submit?" paragraphs): a
 * folder Lab3_CAMIPRO1_CAMIPRO2 with one program per part, the part 6 key and certificate, and the
 * report. Pure: works on file names and contents, so the same rules judge a folder and a zip.
 */

export const PROGRAM_STEPS = ['part2', 'part3', 'part4-receiver', 'part4-sender', 'part5', 'part6'] as const;
export type ProgramStep = (typeof PROGRAM_STEPS)[number];

export const PROGRAM_PREFIX: Record<ProgramStep, string> = {
  part2: 'Part2',
  part3: 'Part3',
  'part4-receiver': 'Part4_Receiver',
  'part4-sender': 'Part4_Sender',
  part5: 'Part5',
  part6: 'Part6_PMU',
};

/** Part 6 is the optional bonus: a submission without it is complete. */
export const OPTIONAL_STEPS: ReadonlySet<ProgramStep> = new Set(['part6']);

const FOLDER = /^Lab3_(\d{6})_(\d{6})$/;

export interface Layout {
  /** The two CAMIPRO numbers, from the folder name, else from the programs' names. */
  camipro: [string, string] | null;
  /** The file (name in the folder) taken as each part's program, exact or misnamed. */
  programs: Partial<Record<ProgramStep, string>>;
  key: string | null;
  cert: string | null;
  report: string | null;
  /** One line per misnamed or missing file, with the closest existing name. */
  problems: string[];
  /** Names found and how they were read, for the evidence. */
  found: string[];
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The existing name nearest to `wanted` (case-insensitive edit distance, on names without their
 * extension when `wanted` has none), or null when none is even half alike.
 */
export function closestName(wanted: string, names: readonly string[]): string | null {
  const comparable = (name: string) => (path.extname(wanted) ? name : stem(name)).toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    const distance = editDistance(wanted.toLowerCase(), comparable(name));
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= wanted.length / 2 ? best.name : null;
}

function closestHint(wanted: string, names: readonly string[]): string {
  const closest = closestName(wanted, names);
  return closest ? ` (closest existing name: ${closest})` : ' (no similar name in the folder)';
}

const stem = (name: string): string => name.slice(0, name.length - path.extname(name).length);
const tokens = (name: string): string[] => stem(name).toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/** A name that starts with the part's words (Part4_Receiver…), whatever follows: a program misnamed but recognisable. */
function looksLike(name: string, prefix: string): boolean {
  const want = tokens(prefix);
  const have = tokens(name);
  return want.every((token, index) => have[index] === token);
}

function camiproFromPrograms(names: readonly string[]): [string, string] | null {
  for (const name of names) {
    const match = /_(\d{6})_(\d{6})$/.exec(stem(name));
    if (match && Object.values(PROGRAM_PREFIX).some((prefix) => looksLike(name, prefix))) return [match[1]!, match[2]!];
  }
  return null;
}

const isPem = (content: string, label: RegExp): boolean => new RegExp(`-----BEGIN ${label.source}-----`).test(content);

/**
 * Reads a submission folder's top level. `files` are its file names; `read` gives a file's start
 * (to recognise a key or certificate handed in under another name).
 */
export function readLayout(folderName: string, files: readonly string[], read: (name: string) => string): Layout {
  const problems: string[] = [];
  const found: string[] = [];
  const names = [...files].sort();
  const folder = FOLDER.exec(folderName);
  let camipro: [string, string] | null = folder ? [folder[1]!, folder[2]!] : null;
  if (!folder) {
    camipro = camiproFromPrograms(names);
    const example = camipro ? `Lab3_${camipro[0]}_${camipro[1]}` : 'Lab3_123456_654321';
    problems.push(`the folder is named ${folderName}; the handout asks for Lab3_CAMIPRO1_CAMIPRO2 with the two 6-digit CAMIPRO numbers (here ${example})`);
  }
  const suffix = camipro ? `_${camipro[0]}_${camipro[1]}` : '_CAMIPRO1_CAMIPRO2';

  const programs: Partial<Record<ProgramStep, string>> = {};
  const missing: string[] = [];
  for (const step of PROGRAM_STEPS) {
    const wanted = `${PROGRAM_PREFIX[step]}${suffix}`;
    const exact = names.find((name) => stem(name) === wanted);
    const similar = names.find((name) => looksLike(name, PROGRAM_PREFIX[step]));
    if (exact) found.push(`${step}: ${exact}`);
    else if (similar) problems.push(`${similar} should be named ${wanted}${path.extname(similar)} (it is checked as ${step} anyway)`);
    else if (!OPTIONAL_STEPS.has(step)) missing.push(wanted);
    if (exact ?? similar) programs[step] = exact ?? similar;
  }
  // The closest name among the files no part claims: Part3_… is no hint for a missing Part2_….
  const unclaimed = names.filter((name) => !Object.values(programs).includes(name));
  for (const wanted of missing) problems.push(`${wanted} is missing${closestHint(wanted, unclaimed)}`);

  const ids = camipro ?? [];
  const pems = names.filter((name) => name !== 'cacert.pem');
  const keyNamed = pems.find((name) => ids.some((id) => name === `${id}_key.pem`));
  const keyByContent = pems.find((name) => isPem(read(name), /(RSA |EC |ENCRYPTED )?PRIVATE KEY/));
  const key = keyNamed ?? keyByContent ?? null;
  const owner = ids.find((id) => key?.startsWith(id)) ?? ids[0] ?? 'CAMIPRO1';
  const certNamed = pems.find((name) => name === `${owner}.cert.pem` || name === `${owner}_cert.pem`);
  const certByContent = pems.find((name) => name !== key && isPem(read(name), /CERTIFICATE/));
  const cert = certNamed ?? certByContent ?? null;
  const part6 = programs.part6 !== undefined;
  if (keyNamed) found.push(`key: ${keyNamed}`);
  else if (key) problems.push(`${key} holds a private key and should be named ${owner}_key.pem`);
  else if (part6) problems.push(`${owner}_key.pem (part 6's private key) is missing${closestHint(`${owner}_key.pem`, names)}`);
  if (certNamed) found.push(`certificate: ${certNamed}`);
  else if (cert) problems.push(`${cert} holds a certificate and should be named ${owner}.cert.pem (or ${owner}_cert.pem)`);
  else if (part6) problems.push(`${owner}.cert.pem (part 6's certificate, signed by the course) is missing${closestHint(`${owner}.cert.pem`, names)}`);

  const report = names.find((name) => path.extname(name).toLowerCase() === '.pdf') ?? null;
  if (report) found.push(`report: ${report}`);
  else problems.push('the report (the handout\'s PDF form, filled in) is missing: no .pdf file');
  return { camipro, programs, key, cert, report, problems, found };
}

export type ProgramCommand = { ok: true; command: string[] } | { ok: false; reason: string };

/**
 * The command that runs a program: by its extension from `run` (check.run), or by its #! line when
 * it has none (`python3`, `node`), never by executing an unknown binary.
 */
export function programCommand(file: string, firstLine: string, run: Readonly<Record<string, string>>): ProgramCommand {
  const extension = path.extname(file).slice(1).toLowerCase();
  const words = (command: string): string[] => command.trim().split(/\s+/);
  if (extension) {
    const command = run[extension];
    return command ? { ok: true, command: [...words(command), file] } : { ok: false, reason: `no command runs .${extension} files: name one in check.run (in a --config file: {"check": {"run": {"${extension}": "…"}}})` };
  }
  const interpreter = /^#!\s*\S*?(?:env\s+)?(python3?|node)\b/.exec(firstLine)?.[1];
  const byInterpreter = interpreter === 'node' ? run.js : interpreter ? run.py : undefined;
  if (byInterpreter) return { ok: true, command: [...words(byInterpreter), file] };
  return { ok: false, reason: `${file} has no extension and no #! line naming python3 or node, so socklab does not know how to run it` };
}
