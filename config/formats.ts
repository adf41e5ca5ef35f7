import net from 'node:net';
import type convict from 'convict';
import { isCourseHost } from '../lib/campus/hosts.js';
import { isConvention, PLACEHOLDERS } from '../lib/check/conventions.js';
import { isScheduleWindow } from '../lib/family-schedule.js';
import { isSenderId } from '../lib/tv.js';

/**
 * socklab's convict formats. Each one coerces a string (from an environment variable or a
 * command-line flag) only when the string is well formed, and otherwise keeps it as it came, so
 * that the validation error quotes exactly what the user typed.
 */

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)$/;

function numberFromText(value: unknown): unknown {
  return typeof value === 'string' && NUMBER_TEXT.test(value.trim()) ? Number(value) : value;
}

function listFromText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[')) return jsonOrText(text);
  return text === '' ? [] : text.split(',').map((item) => item.trim());
}

function jsonOrText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function check(condition: boolean, allowed: string): void {
  if (!condition) throw new Error(`must be ${allowed}`);
}

function isIntegerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

export function isMulticastIPv4(value: unknown): boolean {
  return typeof value === 'string' && net.isIPv4(value) && Number(value.split('.')[0]) >= 224 && Number(value.split('.')[0]) <= 239;
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/;

export function isHost(value: unknown): boolean {
  return typeof value === 'string' && (net.isIP(value) !== 0 || HOST_NAME.test(value));
}

/** `name`, `name:port`, `192.0.2.1:80`, `[2001:db8::1]:80` or a bare IPv6 address: a Host header's value. */
function isHostWithPort(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (net.isIPv6(value)) return true;
  const match = /^(\[([^\]]+)\]|[^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const host = match[2] ?? match[1]!;
  const hostOk = match[2] !== undefined ? net.isIPv6(host) : isHost(host);
  return hostOk && (match[3] === undefined || isIntegerIn(Number(match[3]), 1, 65535));
}

function isWebSocketUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '';
}

export const FORMATS = [
  {
    name: 'tcp-port',
    coerce: numberFromText,
    validate: (v) => check(isIntegerIn(v, 0, 65535), 'a port number from 0 to 65535'),
  },
  {
    name: 'count',
    coerce: numberFromText,
    validate: (v) => check(isIntegerIn(v, 0, Number.MAX_SAFE_INTEGER), 'a whole number, 0 or more'),
  },
  {
    name: 'positive-count',
    coerce: numberFromText,
    validate: (v) => check(isIntegerIn(v, 1, Number.MAX_SAFE_INTEGER), 'a whole number, 1 or more'),
  },
  {
    name: 'ttl',
    coerce: numberFromText,
    validate: (v) => check(isIntegerIn(v, 0, 255), 'a TTL from 0 to 255'),
  },
  {
    name: 'seconds',
    coerce: numberFromText,
    validate: (v) => check(typeof v === 'number' && Number.isFinite(v) && v >= 0, 'a number of seconds, 0 or more'),
  },
  {
    name: 'probability',
    coerce: numberFromText,
    validate: (v) => check(typeof v === 'number' && v >= 0 && v <= 1, 'a probability from 0 to 1'),
  },
  {
    name: 'ip-address',
    validate: (v) => check(typeof v === 'string' && net.isIP(v) !== 0, 'an IPv4 or IPv6 address'),
  },
  {
    name: 'ipv4-address',
    validate: (v) => check(typeof v === 'string' && net.isIPv4(v), 'an IPv4 address'),
  },
  {
    name: 'ipv6-address',
    validate: (v) => check(typeof v === 'string' && net.isIPv6(v), 'an IPv6 address'),
  },
  {
    name: 'multicast-interface',
    validate: (v) =>
      check(v === '' || (typeof v === 'string' && net.isIPv4(v)), 'the IPv4 address of an interface, or "" to let the system choose'),
  },
  {
    name: 'multicast-group',
    validate: (v) => check(isMulticastIPv4(v), 'an IPv4 multicast address (224.0.0.0 to 239.255.255.255)'),
  },
  {
    name: 'multicast-group-list',
    coerce: listFromText,
    validate: (v) =>
      check(Array.isArray(v) && v.length > 0 && v.every(isMulticastIPv4), 'a non-empty list of IPv4 multicast addresses'),
  },
  {
    name: 'host',
    validate: (v) => check(isHost(v), 'an address or a host name'),
  },
  {
    name: 'ws-url',
    validate: (v) => check(isWebSocketUrl(v), 'a WebSocket URL such as ws://127.0.0.1:5006'),
  },
  {
    name: 'host-list',
    coerce: listFromText,
    validate: (v) => check(Array.isArray(v) && v.length > 0 && v.every(isHost), 'a non-empty list of addresses or host names'),
  },
  {
    name: 'course-hosts',
    coerce: jsonOrText,
    validate: (v) =>
      check(
        Array.isArray(v) && v.length > 0 && v.every(isCourseHost),
        'a list of {"name", "aliases": [names], "ipv4": [at least one address], "ipv6": [addresses], "emulators": ["pmu-tcp" | "pmu-udp" | "tv" | "pmu-ws"]}',
      ),
  },
  {
    name: 'switch',
    coerce: (value: unknown) => (typeof value === 'string' && /^(true|false)$/i.test(value.trim()) ? value.trim().toLowerCase() === 'true' : value),
    validate: (v) => check(typeof v === 'boolean', 'true or false'),
  },
  {
    name: 'allowed-host-list',
    coerce: listFromText,
    validate: (v) => check(Array.isArray(v) && v.every(isHostWithPort), 'a list of host names or addresses, each with an optional :port ([::1]:8080 for IPv6)'),
  },
  {
    name: 'file-path',
    validate: (v) => check(typeof v === 'string' && v.length > 0 && !v.includes('\0'), 'a file path'),
  },
  {
    name: 'optional-path',
    validate: (v) => check(typeof v === 'string' && !v.includes('\0'), 'a folder path, or "" for none'),
  },
  {
    name: 'schedule',
    coerce: jsonOrText,
    validate: (v) =>
      check(
        Array.isArray(v) && v.every(isScheduleWindow),
        'a list of windows {"from": "HH:MM", "to": "HH:MM", "family": "IPv4" or "IPv6"}',
      ),
  },
  {
    name: 'sender-id',
    validate: (v) => check(typeof v === 'string' && isSenderId(v), 'exactly 6 printable ASCII characters (a CAMIPRO number)'),
  },
  {
    name: 'text',
    validate: (v) => check(typeof v === 'string', 'a text'),
  },
  {
    // `check.run`: {"py": "python3", "js": "node --no-warnings"}, extensions without the dot.
    name: 'command-map',
    coerce: jsonOrText,
    validate: (v) =>
      check(
        typeof v === 'object' && v !== null && !Array.isArray(v) &&
          Object.entries(v).every(([extension, command]) => /^[A-Za-z0-9]{1,10}$/.test(extension) && typeof command === 'string' && command.trim() !== ''),
        'a map from file extensions (without the dot) to commands, e.g. {"py": "python3", "js": "node"}',
      ),
  },
  {
    name: 'calling-conventions',
    coerce: jsonOrText,
    validate: (v) =>
      check(
        Array.isArray(v) && v.length > 0 && v.every(isConvention),
        `a non-empty list of {"args": [...], "stdin": "..."} whose placeholders are among ${PLACEHOLDERS.map((name) => `{${name}}`).join(' ')}, e.g. [{"args": ["{host}", "{port}", "{command}"]}]`,
      ),
  },
  {
    // Becomes part of a file name (certs/<id>_key.pem): no separator, no "..", nothing a shell quotes.
    name: 'file-id',
    validate: (v) => check(typeof v === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(v), '1 to 32 letters, digits, "_" or "-" (e.g. your CAMIPRO number)'),
  },
] as const satisfies readonly convict.Format[];

export type FormatName = (typeof FORMATS)[number]['name'];

/**
 * Parses a command-line value with a format of the schema, so that a command's own flag
 * (`pdc --port`) is checked exactly like the setting it stands for.
 */
export function parseWithFormat(name: FormatName, value: string): unknown {
  const format = FORMATS.find((candidate) => candidate.name === name)!;
  const coerced = 'coerce' in format && format.coerce ? format.coerce(value) : value;
  format.validate(coerced);
  return coerced;
}
