import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import { machineAddresses } from '../../lib/address.js';

/**
 * Who may read the dashboard: the names it answers to (the Host header, against DNS rebinding),
 * the pages that may open its feed (the Origin header, against cross-site WebSocket hijacking:
 * browsers apply no same-origin rule to WebSockets), and the token when it has one.
 */
export interface AccessOptions {
  /** The address the dashboard listens on (a wildcard adds every address of the machine and its name). */
  host: string;
  /** The port it listens on (known once listening). */
  port: number;
  /** `dashboard.allowedHosts`: `name` (any port) or `name:port`. */
  allowedHosts: readonly string[];
  /** "" for none. */
  token: string;
}

interface HostAndPort {
  name: string;
  port: number | null;
}

/** `localhost:5080` → {localhost, 5080}; `[::1]` → {::1, null}; null when it is not of that shape. */
function parseHost(value: string): HostAndPort | null {
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/i.exec(value.trim());
  if (!match) return null;
  const name = (match[1] ?? match[2]!).toLowerCase().replace(/\.$/, '');
  return { name, port: match[3] === undefined ? null : Number(match[3]) };
}

function wildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The names and addresses a wildcard listener is reached by. */
function machineNames(): string[] {
  return [...machineAddresses().map((entry) => entry.address), os.hostname()];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export class DashboardAccess {
  private readonly ownNames: Set<string>;
  private readonly extra: HostAndPort[];
  private readonly tokenDigest: Buffer | null;

  constructor(private readonly options: Readonly<AccessOptions>) {
    const names = ['localhost', '127.0.0.1', '::1', options.host, ...(wildcard(options.host) ? machineNames() : [])];
    this.ownNames = new Set(names.map((name) => name.toLowerCase()));
    this.extra = options.allowedHosts.map((entry) => (net.isIPv6(entry) ? { name: entry.toLowerCase(), port: null } : parseHost(entry))).filter((entry) => entry !== null);
    this.tokenDigest = options.token === '' ? null : digest(options.token);
  }

  /**
   * Whether a request's Host is one of the dashboard's own names. A missing port means the
   * scheme's default, so `localhost` alone is another origin than `localhost:5080`.
   */
  hostAllowed(hostHeader: string | undefined, defaultPort = 80): boolean {
    const host = hostHeader === undefined ? null : parseHost(hostHeader);
    if (!host) return false;
    if (this.ownNames.has(host.name) && (host.port ?? defaultPort) === this.options.port) return true;
    return this.extra.some((entry) => entry.name === host.name && (entry.port === null || entry.port === (host.port ?? defaultPort)));
  }

  /** Whether `origin` is one of the page's own origins, matched exactly (no "any IP" shortcut). */
  originAllowed(origin: string | undefined): boolean {
    if (origin === undefined || !URL.canParse(origin)) return false;
    const url = new URL(origin);
    // A browser sends the serialized origin: scheme, host and port, nothing else.
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== origin) return false;
    return this.hostAllowed(url.host, url.protocol === 'https:' ? 443 : 80);
  }

  /**
   * The token from `?token=` or `Authorization: Bearer`, compared as SHA-256 digests: equal
   * lengths whatever was sent (any byte, any length), so the comparison can neither throw nor
   * tell the token's length.
   */
  tokenAccepted(url: URL, authorization: string | undefined): boolean {
    if (this.tokenDigest === null) return true;
    const given = url.searchParams.get('token') ?? /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    return given !== undefined && timingSafeEqual(digest(given), this.tokenDigest);
  }
}
