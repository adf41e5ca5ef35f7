import { spawnSync } from 'node:child_process';
import { type TlsClientOptions } from '../../../lib/clients/pdc.js';


/** Where the experiments send: the emulators, under the course names in the campus or on loopback. */
export interface Targets {
  pmuTcp: { host: string; port: number };
  pmuWsUrl: string;
  reset: { hosts: readonly string[]; port: number; n: number; timeoutMs: number; maxRounds: number };
  tv: { group: string; port: number; iface: string };
  tls: { host: string; port: number; ca: Buffer; servername: string };
  /** The Python students' programs run with (lib/python.ts), or null where there is none. */
  python: string | null;
  /** Where files the experiments keep go (the flood). */
  out: string;
  /** TLS session keys, for a capture's decryption (--pcap). */
  onKeylog?: (line: Buffer) => void;
}

/** The connection an experiment counted, to find it in a capture (--pcap). */
export interface Connection {
  serverPort: number;
  clientPort: number;
  /** The question socklab's count answers (the capture's count goes beside it). */
  question: string;
  /** What socklab counted on it: segments with payload from the server, or the TLS handshake's each way. */
  counted: { segments: number | null } | { toServer: number | null; fromServer: number | null };
}

/** The connection a picture of the capture is drawn from, and the client's reads on it (time in epoch seconds, bytes). */
export interface PictureFlow {
  serverPort: number;
  clientPort: number;
  reads?: Array<{ epoch: number; bytes: number }>;
}

export interface Measurement {
  /** The handout's question, "Q11". */
  question: string;
  name: string;
  value: number | string | boolean | null;
  unit: string;
}

export interface ExperimentResult {
  id: string;
  title: string;
  questions: string[];
  /** The command that measures the same by hand. */
  command: string;
  inputs: Record<string, unknown>;
  measurements: Measurement[];
  /** Where the emulator differs from the course's server, said beside the value. */
  notes: string[];
  connection?: Connection;
  flow?: PictureFlow;
  ok: boolean;
  error?: string;
  durationMs: number;
}

export interface Experiment {
  id: string;
  /** The handout's part: `--parts` chooses by it. */
  part: number;
  title: string;
  questions: string[];
  command: string;
  run(targets: Targets): Promise<{ inputs: Record<string, unknown>; measurements: Measurement[]; notes?: string[]; connection?: Connection; flow?: PictureFlow }>;
}

export const measure = (question: string, name: string, value: Measurement['value'], unit = ''): Measurement => ({ question, name, value, unit });
export const RANDOM_N = 'n is random (5 to 15) on the emulator as on the course server: count the messages, do not expect a number';

/** TCP states of the connections on `port`, as `ss` lists them (Q5, Q7, Q9). */
export function states(port: number): string[] {
  const result = spawnSync('ss', ['-tanH', `( sport = :${port} or dport = :${port} )`], { encoding: 'utf8' });
  return result.stdout.trim().split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[0]!);
}

export function tlsOptions(targets: Targets, version: 'TLSv1.2' | 'TLSv1.3'): TlsClientOptions {
  return { ca: targets.tls.ca, servername: targets.tls.servername, rejectUnauthorized: true, securityLevel: 2, version, onKeylog: targets.onKeylog };
}
