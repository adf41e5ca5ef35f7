import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import winston from 'winston';
import { terminalSafe } from './terminal.js';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface LoggerOptions {
  /** Name of the service or command, carried by every line. */
  service: string;
  level: LogLevel;
  /** "auto": human text on a terminal, JSON lines otherwise, so that pm2 logs stay greppable. */
  format: 'auto' | 'json' | 'text';
  /** Folder for a JSON-lines log file `<service>.log` ("" for none); rotated by size. */
  dir: string;
  rotateBytes: number;
  keepFiles: number;
  /** Where lines go instead of stdout/stderr (tests). */
  stream?: Writable;
}

const timestamp = winston.format.timestamp(); // ISO-8601 with milliseconds, UTC

const jsonLine = winston.format.combine(timestamp, winston.format.json());

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return value instanceof Error ? JSON.stringify(value.message) : JSON.stringify(value);
}

const humanLine = winston.format.combine(
  timestamp,
  winston.format.printf((info) => {
    const { timestamp: at, level, message, service, component, ...fields } = info;
    const origin = component ? `${String(service)}/${String(component)}` : String(service);
    const rest = Object.entries(fields)
      .map(([key, value]) => `${key}=${formatValue(value)}`)
      .join(' ');
    // Fields carry what peers sent (a command, a datagram): shown escaped, never obeyed by the terminal.
    return terminalSafe(`${String(at)} ${level.padEnd(5)} [${origin}] ${String(message)}${rest ? ` ${rest}` : ''}`);
  }),
);

export function createLogger(options: LoggerOptions): Logger {
  const human = options.format === 'text' || (options.format === 'auto' && (options.stream ? false : process.stdout.isTTY === true));
  const lineFormat = human ? humanLine : jsonLine;
  const transports: winston.transport[] = [
    options.stream
      ? new winston.transports.Stream({ stream: options.stream, format: lineFormat })
      : new winston.transports.Console({ format: lineFormat, stderrLevels: ['error'] }),
  ];
  if (options.dir) {
    transports.push(
      new winston.transports.File({
        filename: path.join(options.dir, `${options.service}.log`),
        format: jsonLine,
        maxsize: options.rotateBytes,
        maxFiles: options.keepFiles,
        tailable: true,
      }),
    );
  }
  return winston.createLogger({
    level: options.level,
    defaultMeta: { service: options.service },
    transports,
  });
}

/** Ends the logger and resolves once every transport has flushed what it was given. */
export async function closeLogger(logger: Logger): Promise<void> {
  const files = logger.transports.filter(
    (transport): transport is winston.transports.FileTransportInstance => transport instanceof winston.transports.File,
  );
  const flushed = files.map((file) => new Promise<void>((resolve) => file.once('finish', () => resolve())));
  await new Promise<void>((resolve) => {
    logger.once('finish', () => resolve());
    logger.end();
  });
  await Promise.race([Promise.all(flushed), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
}

/** A logger that keeps its records (as parsed JSON lines): what an emulator saw, for `socklab check` and tests. */
export function recordingLogger(service: string): { logger: Logger; records: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = createLogger({ service, level: 'debug', format: 'json', dir: '', rotateBytes: 1e6, keepFiles: 1, stream });
  const records = (): Array<Record<string, unknown>> =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, records };
}

/** A logger whose records go nowhere: emulators that `socklab check` runs report through typed records instead. */
export function quietLogger(service: string): Logger {
  const stream = new Writable({ write: (_chunk, _encoding, done) => done() });
  return createLogger({ service, level: 'error', format: 'json', dir: '', rotateBytes: 1e6, keepFiles: 1, stream });
}
