import { readdirSync, readFileSync } from 'node:fs';

/**
 * What /proc says of a sandboxed program from outside: its processes (its sandbox's PID namespace
 * is nested in the campus's, whose /proc socklab reads) and the TCP ports they listen on.
 */

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Each process's parent, from /proc (of the campus's PID namespace). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ")".
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  return map;
}

export function descendants(root: number): number[] {
  const parentOf = parents();
  const found = new Set<number>([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (!found.has(pid) && found.has(parent)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(root);
  return [...found];
}

/** "0100007F:1F4B" (little-endian IPv4) or 32 hex digits of IPv6, as /proc/net/tcp{,6} writes them. */
function decodeAddress(hex: string): { address: string; port: number } {
  const [host, port] = hex.split(':') as [string, string];
  let address: string;
  if (host.length === 8) address = Buffer.from(host, 'hex').reverse().join('.');
  else {
    const words = Buffer.from(host, 'hex');
    for (let at = 0; at < 16; at += 4) words.subarray(at, at + 4).reverse();
    address = (words.toString('hex').match(/.{4}/g) ?? []).join(':').replace(/(^|:)0{1,3}/g, '$1');
  }
  return { address, port: parseInt(port, 16) };
}

export interface ListeningSocket {
  address: string;
  port: number;
}

/** TCP sockets in LISTEN state (0A) of the network namespace `pid` is in, by inode. */
export function listeningByInode(pid: number): Map<string, ListeningSocket> {
  const map = new Map<string, ListeningSocket>();
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    const text = readOrNull(table)?.toString() ?? '';
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] === '0A') map.set(fields[9]!, decodeAddress(fields[1]!));
    }
  }
  return map;
}
