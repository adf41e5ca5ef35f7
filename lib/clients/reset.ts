import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { FAMILIES, type Family, familyOf } from '../address.js';
import { bindDatagram, closeSocket } from '../listen.js';
import { formatResetRequest, parseOffsetReply } from '../reset.js';

export interface ResetTarget {
  address: string;
  family: Family;
}

export interface Resolution {
  targets: ResetTarget[];
  /** Names that did not resolve, each said once. */
  problems: string[];
}

/** Addresses as they are; names to every A and AAAA address (a dual-stack host has both). */
export async function resolveTargets(hosts: readonly string[]): Promise<Resolution> {
  const targets = new Map<string, ResetTarget>();
  const problems: string[] = [];
  for (const host of hosts) {
    const family = familyOf(host);
    if (family) {
      targets.set(host, { address: host, family });
      continue;
    }
    try {
      for (const { address } of await lookup(host, { all: true, verbatim: true })) {
        const resolved = familyOf(address);
        if (resolved) targets.set(address, { address, family: resolved });
      }
    } catch (error) {
      problems.push(`cannot resolve ${host} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return { targets: [...targets.values()], problems };
}

export interface ResetExchangeOptions {
  targets: readonly ResetTarget[];
  port: number;
  n: number;
  timeoutMs: number;
  maxRounds: number;
  /** A family that fails locally (no route, no address) is dropped and said once here. */
  onProblem?: (message: string) => void;
  /** Ends the exchange early (a service shutting down); the outcome says `aborted`. */
  signal?: AbortSignal;
}

export interface ResetOutcome {
  acknowledged: boolean;
  offset: number | null;
  family: Family | null;
  /** The target that answered. */
  address: string | null;
  /** When the acknowledgement arrived, or when the exchange gave up (ISO-8601). */
  at: string;
  rounds: number;
  /** Datagrams actually sent: rounds × targets, less what a failing family could not send. */
  packets: number;
  /** Datagrams received that were not a valid OFFSET=X from a target. */
  ignored: number;
  /** From the last send to the acknowledgement. */
  rttMs: number | null;
  /** Families that failed locally, in words. */
  problems: string[];
  aborted: boolean;
}

interface FamilySocket {
  family: Family;
  socket: dgram.Socket;
  targets: ResetTarget[];
  failed: boolean;
}

/** What an exchange has seen so far. */
interface ExchangeState {
  rounds: number;
  packets: number;
  ignored: number;
  lastSentAt: number;
  answer?: { offset: number; family: Family; address: string; at: number };
}

/** One socket per family that has targets; a family that cannot open one is said and left out. */
async function openFamilySockets(targets: readonly ResetTarget[], problem: (message: string) => void): Promise<FamilySocket[]> {
  const sockets: FamilySocket[] = [];
  for (const family of FAMILIES) {
    const ofFamily = targets.filter((target) => target.family === family);
    if (ofFamily.length === 0) continue;
    const socket = dgram.createSocket({ type: family === 'IPv4' ? 'udp4' : 'udp6', ipv6Only: family === 'IPv6' });
    try {
      await bindDatagram(socket, { port: 0 });
      sockets.push({ family, socket, targets: ofFamily, failed: false });
    } catch (error) {
      await closeSocket(socket);
      problem(`${family} unavailable here: ${(error as Error).message}`);
    }
  }
  return sockets;
}

/** Sleeps until `ms` pass or `wake()` is called, whichever comes first. */
function alarm(): { sleep(ms: number): Promise<void>; wake(): void } {
  let wake: (() => void) | undefined;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    wake: () => wake?.(),
  };
}

/**
 * The handout's part 3 client: each round sends RESET:n once to every target, over an IPv4 and
 * an IPv6 socket, then waits `timeoutMs` for OFFSET=X (0 ≤ X ≤ n) from one of the targets. A
 * late answer to an earlier round is an acknowledgement too. Gives up after `maxRounds`.
 */
export async function resetExchange(options: ResetExchangeOptions): Promise<ResetOutcome> {
  const problems: string[] = [];
  const problem = (message: string): void => {
    problems.push(message);
    options.onProblem?.(message);
  };
  const sockets = await openFamilySockets(options.targets, problem);
  const state: ExchangeState = { rounds: 0, packets: 0, ignored: 0, lastSentAt: 0 };
  const roundEnd = alarm();
  const failFamily = (entry: FamilySocket, error: Error): void => {
    if (entry.failed) return;
    entry.failed = true;
    problem(`${entry.family} cannot send: ${error.message}`);
    if (sockets.every((candidate) => candidate.failed)) roundEnd.wake(); // nothing left to wait for
  };
  for (const entry of sockets) {
    entry.socket.on('error', (error) => failFamily(entry, error));
    entry.socket.on('message', (message, peer) => {
      const fromTarget = peer.port === options.port && options.targets.some((target) => sameAddress(target.address, peer.address));
      const offset = fromTarget ? parseOffsetReply(message.toString('latin1'), options.n) : null;
      if (offset === null) return void (state.ignored += 1);
      state.answer ??= { offset, family: entry.family, address: peer.address, at: performance.now() };
      roundEnd.wake();
    });
  }

  const request = Buffer.from(formatResetRequest(options.n));
  options.signal?.addEventListener('abort', roundEnd.wake);
  try {
    while (!state.answer && !options.signal?.aborted && state.rounds < options.maxRounds && sockets.some((entry) => !entry.failed)) {
      state.rounds += 1;
      state.lastSentAt = performance.now();
      for (const entry of sockets.filter((candidate) => !candidate.failed)) {
        for (const target of entry.targets) {
          entry.socket.send(request, options.port, target.address, (error) => (error ? failFamily(entry, error) : void (state.packets += 1)));
        }
      }
      await roundEnd.sleep(options.timeoutMs);
    }
  } finally {
    options.signal?.removeEventListener('abort', roundEnd.wake);
    await Promise.all(sockets.map(({ socket }) => closeSocket(socket)));
  }
  return outcomeOf(state, problems, !state.answer && options.signal?.aborted === true);
}

function outcomeOf({ answer, rounds, packets, ignored, lastSentAt }: ExchangeState, problems: string[], aborted: boolean): ResetOutcome {
  const wallClock = Date.now() - (answer ? performance.now() - answer.at : 0);
  return {
    acknowledged: answer !== undefined,
    offset: answer?.offset ?? null,
    family: answer?.family ?? null,
    address: answer?.address ?? null,
    at: new Date(wallClock).toISOString(),
    rounds,
    packets,
    ignored,
    rttMs: answer ? Math.round((answer.at - lastSentAt) * 100) / 100 : null,
    problems,
    aborted,
  };
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  return net.isIPv6(a) && net.isIPv6(b) && new net.SocketAddress({ address: a, family: 'ipv6' }).address === new net.SocketAddress({ address: b, family: 'ipv6' }).address;
}

/** `runs` independent exchanges (each with its own sockets), at most `concurrency` at a time. */
export async function resetSeries(
  options: ResetExchangeOptions & { runs: number; concurrency: number; onRun?: (outcome: ResetOutcome, index: number) => void },
): Promise<ResetOutcome[]> {
  const outcomes: ResetOutcome[] = new Array(options.runs);
  const said = new Set<string>();
  const onProblem = (message: string): void => {
    if (said.has(message)) return;
    said.add(message);
    options.onProblem?.(message);
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.runs) {
      const index = next++;
      outcomes[index] = await resetExchange({ ...options, onProblem });
      options.onRun?.(outcomes[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.runs) }, worker));
  return outcomes;
}
