import { spawn } from 'node:child_process';
import path from 'node:path';
import { socklabError } from '../errors.js';
import { projectRoot } from '../paths.js';
import { PmuMessageSplitter } from '../pmu/splitter.js';
import { plural } from '../words.js';

export interface GraderOptions {
  host: string;
  port: number;
  /** The course CA ("": none loaded, and no verifying exchange). */
  ca: string;
  command: string;
  /** The name the grader gives as server_hostname (SNI, and the name a verifying grader checks); "": none, and no host check. */
  servername: string;
  /** Longest wait to connect and for each read (default 10 s: a grader far from the server). */
  timeoutSeconds?: number;
  /** Runs the grader's Python through this (e.g. on the student host where the server listens). */
  wrap?: (command: string[]) => string[];
}

/** A failed exchange keeps what it received before the error (a server that never closes). */
export type GraderExchange = { ok: true; version: string; cipher: string; data: string } | { ok: false; error: string; data?: string };

export interface GraderReport {
  /** The handout's SSLContext(PROTOCOL_SSLv23): no certificate check. */
  asWritten: GraderExchange;
  /** The same context with verify_mode CERT_REQUIRED and check_hostname (when a servername is given); null without a CA. */
  verifying: GraderExchange | null;
  openssl: string;
  messages: string[];
  summary: string;
}

const SCRIPT = path.join(projectRoot, 'lib', 'clients', 'python', 'grader.py');

/** Connects as the handout's part 6 grader does, with Python (lib/clients/python/grader.py), and says what a verifying grader makes of the server. */
export function runGrader(options: GraderOptions): Promise<GraderReport> {
  return new Promise((resolve, reject) => {
    const command = (options.wrap ?? ((plain: string[]) => plain))(['python3', SCRIPT, options.host, String(options.port), options.ca, options.command, options.servername, String(options.timeoutSeconds ?? 10)]);
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(socklabError('SOCKLAB_ERR_USAGE', `--grader needs python3: ${error.message}`)));
    child.on('close', (code) => {
      if (code !== 0) return reject(socklabError('SOCKLAB_ERR_NETWORK', `the grader's Python failed: ${stderr.trim().split('\n').pop()}`));
      const { asWritten, verifying, openssl } = JSON.parse(stdout) as Omit<GraderReport, 'messages' | 'summary'>;
      const splitter = new PmuMessageSplitter();
      const items = asWritten.data ? [...splitter.push(asWritten.data), ...splitter.end()] : [];
      const messages = items.map((item) => item.text);
      const first = asWritten.ok
        ? `grader as the handout writes it (SSLContext(PROTOCOL_SSLv23), verifies nothing): ${asWritten.version} ${asWritten.cipher}, ${plural(messages.length, 'message')}`
        : `grader as the handout writes it: failed: ${asWritten.error}`;
      const verifier = `a verifying grader (CERT_REQUIRED, ${options.servername ? `check_hostname ${options.servername}` : 'no host name check'})`;
      const second = verifying === null ? 'no verifying grader: no CA given' : verifying.ok ? `${verifier}: accepts the server` : `${verifier}: REFUSES the server: ${verifying.error}`;
      resolve({ asWritten, verifying, openssl, messages, summary: `${first}\n${second}\n(${openssl})` });
    });
  });
}
