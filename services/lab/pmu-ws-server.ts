import http from 'node:http';
import type net from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { formatHostPort, peerOf } from '../../lib/address.js';
import { listen, once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import { parsePmuCommand } from '../../lib/pmu/command.js';
import { type PmuResponderOptions, type PmuResponse, respond } from '../../lib/pmu/responder.js';

export interface PmuWsServerOptions extends PmuResponderOptions {
  host: string;
  port: number;
  maxIntervalSeconds: number;
  /** Largest incoming message; larger ones close the connection with 1009 (RFC 6455 §7.4.1). */
  maxCommandBytes: number;
  idleTimeoutMs: number;
  maxConnections: number;
  drainMs: number;
}

/** RFC 6455 §7.4.1 close codes used here. */
const CLOSE = { normal: 1000, unsupportedData: 1003, policy: 1008, tryAgainLater: 1013 } as const;

/** A close reason must fit in a control frame: 123 bytes (RFC 6455 §5.5). */
function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123 ? text : `${bytes.subarray(0, 120).toString('utf8').replace(/\uFFFD+$/, '')}...`;
}

/** The course's PMU over WebSocket (handout part 5, ws://tcpip.epfl.ch:5006). */
export class PmuWsServer {
  private readonly http = http.createServer((_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    response.end('This is a WebSocket server: connect with ws://\n');
  });
  private readonly wss: WebSocketServer;

  constructor(
    private readonly options: Readonly<PmuWsServerOptions>,
    private readonly logger: Logger,
  ) {
    this.wss = new WebSocketServer({ server: this.http, maxPayload: options.maxCommandBytes });
    this.wss.on('connection', (ws, request) => this.onConnection(ws, request.socket));
    this.wss.on('error', (error) => this.logger.warn('server error', { error: error.message }));
  }

  async listen(): Promise<net.AddressInfo> {
    const address = await listen(this.http, { host: this.options.host, port: this.options.port });
    this.logger.info('listening', { url: `ws://${formatHostPort(address.address, address.port)}` });
    return address;
  }

  private onConnection(ws: WebSocket, socket: net.Socket): void {
    const peer = peerOf(socket);
    const startedAt = performance.now();
    let command: string | null = null;
    let outcome = 'closed by peer before a command';
    let sent = { messages: 0, bytes: 0 };
    let response: PmuResponse | undefined;
    let idleTimer: NodeJS.Timeout | undefined;

    const refuse = (code: number, reason: string): void => {
      clearTimeout(idleTimer);
      outcome = `error: ${reason}`;
      ws.close(code, closeReason(reason));
    };
    if (this.wss.clients.size > this.options.maxConnections) return refuse(CLOSE.tryAgainLater, 'server busy');
    idleTimer = setTimeout(
      () => refuse(CLOSE.policy, `no command within ${this.options.idleTimeoutMs / 1000} s`),
      this.options.idleTimeoutMs,
    );

    ws.on('message', (data, isBinary) => {
      if (response || outcome.startsWith('error')) return; // one command per connection, as over TCP
      clearTimeout(idleTimer);
      if (isBinary) return refuse(CLOSE.unsupportedData, 'binary messages are not accepted; send the command as text');
      command = data.toString();
      const parsed = parsePmuCommand(command, this.options.maxIntervalSeconds);
      if (!parsed.ok) return refuse(CLOSE.policy, parsed.reason);
      outcome = 'answered';
      response = respond(
        parsed.command,
        {
          send: (payload) => ws.send(payload, { binary: false }),
          end: () => ws.close(CLOSE.normal, 'done'),
        },
        this.options,
      );
      void response.done.then((result) => (sent = result));
    });
    ws.on('error', (error) => {
      outcome = `${outcome}; ${error.message}`;
    });
    ws.on('close', (code) => {
      clearTimeout(idleTimer);
      response?.cancel();
      const log = (): void => {
        this.logger.info('session', {
          peer,
          command,
          outcome,
          messages: sent.messages,
          bytes: sent.bytes,
          closeCode: code,
          durationMs: Math.round(performance.now() - startedAt),
        });
      };
      if (response) void response.done.then((result) => ((sent = result), log()));
      else log();
    });
  }

  readonly close = once(async () => {
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const deadline = Date.now() + this.options.drainMs;
    while (this.wss.clients.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const client of this.wss.clients) client.terminate();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await closed;
  });
}
