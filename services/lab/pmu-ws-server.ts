import http from 'node:http';
import type net from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { formatHostPort, peerOf } from '../../lib/address.js';
import { closeServer, listen, once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import { parsePmuCommand } from '../../lib/pmu/command.js';
import { type PmuResponderOptions, respond } from '../../lib/pmu/responder.js';
import { PmuSessions, type SessionCounters, type SessionListener } from '../../lib/pmu/sessions.js';

export interface PmuWsServerOptions extends PmuResponderOptions {
  host: string;
  port: number;
  maxIntervalSeconds: number;
  /** Largest incoming message; larger ones close the connection with 1009 (RFC 6455 §7.4.1). */
  maxCommandBytes: number;
  idleTimeoutMs: number;
  /** The course server answers in binary frames (issue: real part 5 clients .decode() what they get). */
  frames: 'binary' | 'text';
  maxConnections: number;
  drainMs: number;
  /** Told of each session as it ends (socklab check judges its programs on these). */
  onSession?: SessionListener;
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
  private readonly sessions: PmuSessions;

  constructor(
    private readonly options: Readonly<PmuWsServerOptions>,
    private readonly logger: Logger,
  ) {
    this.sessions = new PmuSessions(logger, options.onSession);
    this.wss = new WebSocketServer({ server: this.http, maxPayload: options.maxCommandBytes });
    this.wss.on('connection', (ws, request) => {
      const peer = peerOf(request.socket);
      if (this.sessions.active < this.options.maxConnections) return this.handle(ws, peer);
      this.logger.warn('refused', { peer, reason: 'server busy' });
      ws.close(CLOSE.tryAgainLater, 'server busy');
    });
    this.wss.on('error', (error) => this.logger.warn('server error', { error: error.message }));
  }

  get counters(): SessionCounters {
    return this.sessions.counters;
  }

  async listen(): Promise<net.AddressInfo> {
    const address = await listen(this.http, { host: this.options.host, port: this.options.port });
    this.logger.info('listening', { url: `ws://${formatHostPort(address.address, address.port)}` });
    return address;
  }

  /** Serves one WebSocket, however it was accepted: one command as a text message, the answer, a close. */
  handle(ws: WebSocket, peer: string): void {
    const session = this.sessions.start(peer, () => ws.terminate());
    const refuse = (code: number, reason: string, command: string | null = null): void => {
      clearTimeout(idleTimer);
      session.failed(reason, command);
      ws.close(code, closeReason(reason));
    };
    const idleTimer = setTimeout(
      () => refuse(CLOSE.policy, `no command within ${this.options.idleTimeoutMs / 1000} s`),
      this.options.idleTimeoutMs,
    );
    ws.on('message', (data, isBinary) => {
      if (session.settled) return; // one command per connection, as over TCP
      clearTimeout(idleTimer);
      if (isBinary) return refuse(CLOSE.unsupportedData, 'binary messages are not accepted; send the command as text');
      const command = data.toString();
      const parsed = parsePmuCommand(command, this.options.maxIntervalSeconds);
      if (!parsed.ok) return refuse(CLOSE.policy, parsed.reason, command);
      const sink = { send: (payload: string | Buffer) => ws.send(payload, { binary: this.options.frames === 'binary' }), end: () => ws.close(CLOSE.normal, 'done') };
      session.answering(command, respond(parsed.command, sink, this.options));
    });
    ws.on('error', (error) => session.noteError(error.message));
    ws.on('close', (code) => {
      clearTimeout(idleTimer);
      session.ended({ closeCode: code });
    });
  }

  readonly close = once(async () => {
    const closed = closeServer(this.http);
    await this.sessions.drain(this.options.drainMs);
    this.http.closeAllConnections();
    await closeServer(this.wss);
    await closed;
  });
}
