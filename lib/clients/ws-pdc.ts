import type net from 'node:net';
import WebSocket from 'ws';
import { socklabError } from '../errors.js';
import { dataSegmentsIn, type SegmentCount } from '../tcp-info.js';
import { connectionError } from './network-errors.js';

export interface WsPdcOptions {
  url: string;
  command: string;
  /** Give up when the server sends nothing for this long. */
  timeoutMs: number;
  /** Each message as its event arrives (the handout's on_message). */
  onMessage?: (text: string) => void;
}

/** The `ws` JSON shape of docs/PROTOCOLS.md §Command line, plus how the server closed. */
export interface WsPdcResult {
  command: string;
  transport: 'ws';
  messages: string[];
  events: number;
  bytes: number;
  /** Segments with payload from the server, including the HTTP 101 answer and the close frame. */
  segments: number | null;
  durationMs: number;
  close: { code: number; reason: string };
  /** How the server framed its messages: the course server sends binary frames of UTF-8 text. */
  frames: 'binary' | 'text' | 'mixed' | null;
  /** This side's port, to find the connection in a capture. */
  localPort?: number;
  segmentsNote?: string;
}

/** RFC 6455 §7.4.1: 1000 is a normal closure, anything else says what went wrong. */
const NORMAL_CLOSURE = 1000;

/**
 * The WebSocket client of the handout's part 5: one command, then one message event per
 * WebSocket message however many frames or segments carried it (Q23–Q25).
 */
export function runWsPdc(options: WsPdcOptions): Promise<WsPdcResult> {
  const url = new URL(options.url);
  const port = Number(url.port || (url.protocol === 'wss:' ? 443 : 80));
  const messages: string[] = [];
  const frameKinds = new Set<'binary' | 'text'>();
  let bytes = 0;
  let counted: SegmentCount = { segments: null, note: 'the server did not close the connection' };
  let localPort: number | undefined;
  const startedAt = performance.now();

  return new Promise<WsPdcResult>((resolve, reject) => {
    const ws = new WebSocket(options.url, { handshakeTimeout: options.timeoutMs });
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(idle);
      ws.terminate();
      reject(error);
    };
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(
        () => fail(socklabError('SOCKLAB_ERR_TIMEOUT', `no message from ${options.url} for ${options.timeoutMs / 1000} s`)),
        options.timeoutMs,
      );
    };
    armIdle();

    ws.on('upgrade', (response) => {
      const socket = response.socket as net.Socket;
      localPort = socket.localPort;
      // ws answers the server's close frame by calling close() on this instance, and sends its
      // FIN right after; by then the server has sent everything, and the connection is still
      // whole in TCP_INFO. ws has no public event for that moment, hence the wrapper.
      const close = ws.close.bind(ws);
      ws.close = (...args: Parameters<WebSocket['close']>) => {
        if (counted.segments === null) counted = dataSegmentsIn(socket);
        close(...args);
      };
    });
    ws.on('open', () => ws.send(options.command));
    ws.on('message', (data, isBinary) => {
      armIdle();
      frameKinds.add(isBinary ? 'binary' : 'text');
      const text = (data as Buffer).toString('utf8'); // binary or text frame, the PMU's text either way
      bytes += (data as Buffer).length;
      messages.push(text);
      options.onMessage?.(text);
    });
    ws.on('error', (error: NodeJS.ErrnoException) => fail(connectionError(error, url.hostname, port)));
    ws.on('close', (code, reasonBytes) => {
      clearTimeout(idle);
      if (settled) return;
      settled = true;
      const reason = reasonBytes.toString();
      if (code !== NORMAL_CLOSURE) {
        reject(socklabError('SOCKLAB_ERR_PROTOCOL', `the server closed with code ${code}${reason ? `: ${reason}` : ''}`));
        return;
      }
      resolve({
        command: options.command,
        transport: 'ws',
        messages,
        events: messages.length,
        bytes,
        segments: counted.segments,
        durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
        close: { code, reason },
        frames: frameKinds.size === 0 ? null : frameKinds.size === 2 ? 'mixed' : [...frameKinds][0]!,
        ...(localPort ? { localPort } : {}),
        ...(counted.note ? { segmentsNote: counted.note } : {}),
      });
    });
  });
}
