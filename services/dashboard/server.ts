import { readFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatHostPort } from '../../lib/address.js';
import { closeServer, listen, once } from '../../lib/listen.js';
import type { Logger } from '../../lib/logger.js';
import { type ExportFormat, exportHeader, exportLine } from '../mcast-recorder/export.js';
import { RecorderReader, type StoredDatagram } from '../mcast-recorder/store.js';
import { reportCsv } from '../reset-prober/report.js';
import { DashboardAccess } from './access.js';
import { type Panel, proberPanel, recorderPanel, tlsPanel } from './data.js';

export interface DashboardOptions {
  host: string;
  port: number;
  /** Every request and the feed must carry it; "" for none (loopback only). */
  token: string;
  /** Host names beyond loopback and `host` that the dashboard answers to (a proxy's). */
  allowedHosts: readonly string[];
  days: number;
  proberDb: string;
  recorderDb: string;
  tlsCert: string;
  /** The socklab apps and their state (pm2's, when it runs them). */
  services: () => Promise<unknown>;
  /** Calls back when an app changes state (pm2's event bus), for the page to redraw at once. */
  followServices: (onChange: (app: string, event: string) => void) => Promise<void>;
  /** The last lines of an app's log (the TLS PMU's session lines). */
  logOf: (app: string, lines: number) => Promise<string[]>;
  /** How often the recorder's store is read for the live feed, and most rows pushed a read. */
  feedEveryMs: number;
  feedMaxRows: number;
}

/** Read-only; scripts and styles from this server only; no frames; nothing inline. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The page's own files, and uPlot (MIT) from node_modules: nothing from a CDN. */
const UPLOT = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
const ASSETS: Record<string, string> = { '/': 'index.html', '/app.js': 'app.js', '/app.css': 'app.css', '/uplot.js': path.join(UPLOT, 'uPlot.iife.min.js'), '/uplot.css': path.join(UPLOT, 'uPlot.min.css') };
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/**
 * The dashboard (one page, offline): services, the prober's availability map, the recorder's
 * live feed, the TLS PMU's certificate. Everything is read from the stores and files the services
 * write; nothing is written. Whatever came from the network reaches the page as data, and the
 * page writes it with textContent only.
 */
export class DashboardServer {
  private readonly http = http.createServer((request, response) => this.answer(request, response));
  private readonly feed = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  /** Set once listening, when the port is known. */
  private access: DashboardAccess | undefined;
  private feedTimer: NodeJS.Timeout | undefined;
  private lastId = 0;
  private reader: RecorderReader | undefined;

  constructor(
    private readonly options: Readonly<DashboardOptions>,
    private readonly assets: string,
    private readonly logger: Logger,
  ) {
    this.http.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.on('error', () => undefined); // a peer gone mid-upgrade is its own business
      try {
        const refusal = this.refusal(request) ?? this.feedRefusal(request);
        if (refusal) return void socket.end(`HTTP/1.1 ${refusal.status} ${http.STATUS_CODES[refusal.status]}\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${JSON.stringify({ error: refusal.error })}\n`);
        this.feed.handleUpgrade(request, socket, head, (ws) => this.onSubscriber(ws));
      } catch (error) {
        this.logger.warn('feed upgrade failed', { error: (error as Error).message });
        socket.destroy();
      }
    });
  }

  async listen(): Promise<net.AddressInfo> {
    const address = await listen(this.http, { host: this.options.host, port: this.options.port });
    this.access = new DashboardAccess({ host: this.options.host, port: address.port, allowedHosts: this.options.allowedHosts, token: this.options.token });
    this.lastId = this.newestId(); // the feed carries what arrives from now on; the page loads the latest itself
    this.feedTimer = setInterval(() => this.pushFeed(), this.options.feedEveryMs);
    this.feedTimer.unref();
    this.options
      .followServices((app, event) => this.broadcast(JSON.stringify({ kind: 'service', app, event })))
      .catch((error: Error) => this.logger.warn('pm2 events not followed', { error: error.message }));
    this.logger.info('listening', { url: `http://${formatHostPort(address.address, address.port)}/` });
    return address;
  }

  /**
   * Why a request is not let in (wrong Host, no token), or null. The page's own files hold no data
   * and load without the token (a browser asks for them without `?token=`); everything else needs it.
   */
  private refusal(request: http.IncomingMessage): { status: number; error: string } | null {
    const access = this.access;
    if (!access) return { status: 503, error: 'the dashboard is starting' };
    if (!access.hostAllowed(request.headers.host)) return { status: 421, error: 'this dashboard does not answer to that Host (add it to dashboard.allowedHosts if it is yours)' };
    const url = requestUrl(request);
    if (!Object.hasOwn(ASSETS, url.pathname) && !access.tokenAccepted(url, request.headers.authorization)) return { status: 401, error: 'this dashboard needs its token (?token=…)' };
    return null;
  }

  private feedRefusal(request: http.IncomingMessage): { status: number; error: string } | null {
    if (requestUrl(request).pathname !== '/feed') return { status: 404, error: 'no such feed' };
    if (!this.access!.originAllowed(request.headers.origin)) return { status: 403, error: 'the feed is for the dashboard\'s own page (Origin)' };
    return null;
  }

  /** One request: whatever goes wrong answers 500 to it alone and never ends the process. */
  private answer(request: http.IncomingMessage, response: http.ServerResponse): void {
    response.on('error', () => undefined);
    this.route(request, response).catch((error: unknown) => {
      this.logger.warn('request failed', { error: (error as Error).message });
      if (!response.headersSent) {
        response.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
        response.end(`${JSON.stringify({ error: 'the dashboard could not answer; see its log' })}\n`);
      } else response.destroy();
    });
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
      response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(Buffer.byteLength(body)), ...extra });
      response.end(body);
    };
    const json = (status: number, value: unknown): void => send(status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`);
    const refusal = this.refusal(request);
    if (refusal) return json(refusal.status, { error: refusal.error });
    if (request.method !== 'GET') return json(405, { error: 'read-only: GET only' });
    const url = requestUrl(request);
    try {
      const asset = ASSETS[url.pathname];
      if (asset) return send(200, TYPES[path.extname(asset)]!, readFileSync(path.resolve(this.assets, asset)));
      switch (url.pathname) {
        case '/api/services':
          return json(200, await this.options.services());
        case '/api/prober': {
          const days = url.searchParams.has('days') ? Number(url.searchParams.get('days')) : this.options.days;
          if (!Number.isInteger(days) || days < 1 || days > 366) return json(400, { error: 'days must be a whole number from 1 to 366' });
          return json(200, proberPanel(this.options.proberDb, days));
        }
        case '/api/prober.json':
        case '/api/prober.csv': {
          const panel = proberPanel(this.options.proberDb, 1);
          if (!panel.ok) return json(503, panel);
          if (url.pathname.endsWith('.json')) return json(200, panel.data.report);
          return send(200, 'text/csv; charset=utf-8', reportCsv(panel.data.report), { 'content-disposition': 'attachment; filename="prober.csv"' });
        }
        case '/api/recorder':
          return json(200, recorderPanel(this.options.recorderDb));
        case '/api/recorder.csv':
        case '/api/recorder.jsonl':
          return await this.exportRecorder(url.pathname.endsWith('.csv') ? 'csv' : 'jsonl', response);
        case '/api/tls':
          return json(200, tlsPanel(this.options.tlsCert, await this.options.logOf('tls-pmu', 400)));
        default:
          return json(404, { error: `no such page: ${url.pathname}` });
      }
    } catch (error) {
      this.logger.warn('request failed', { path: url.pathname, error: (error as Error).message });
      return json(500, { error: 'the dashboard could not answer; see its log' });
    }
  }

  /** Every stored datagram, streamed in the `socklab recorder export` format (a store can be large). */
  private async exportRecorder(format: ExportFormat, response: http.ServerResponse): Promise<void> {
    let reader: RecorderReader;
    try {
      reader = new RecorderReader(this.options.recorderDb);
    } catch (error) {
      response.writeHead(503, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
      response.end(`${JSON.stringify({ ok: false, error: (error as Error).message })}\n`);
      return;
    }
    const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type, 'content-disposition': `attachment; filename="recorder.${format}"` });
    try {
      response.write(exportHeader(format));
      for (const row of reader.query()) {
        if (!response.write(exportLine(row, format))) await new Promise((resolve) => response.once('drain', resolve));
        if (response.destroyed) break;
      }
    } finally {
      reader.close();
      response.end();
    }
  }

  private onSubscriber(ws: WebSocket): void {
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ kind: 'hello', lastId: this.lastId }));
  }

  /**
   * Reads what the recorder stored since the last read and pushes at most `feedMaxRows` of it to
   * every page, with how many more came: under a burst the feed is sampled, never the store.
   */
  private pushFeed(): void {
    if (this.feed.clients.size === 0) return;
    const rows = this.readNew();
    if (!rows.ok || rows.data.shown.length === 0) return;
    this.broadcast(JSON.stringify({ kind: 'datagrams', rows: rows.data.shown, more: rows.data.more }));
  }

  /** To every open page; a page that does not read is skipped, not queued for. */
  private broadcast(message: string): void {
    for (const client of this.feed.clients) if (client.readyState === client.OPEN && client.bufferedAmount < 1 << 20) client.send(message);
  }

  private newestId(): number {
    try {
      this.reader ??= new RecorderReader(this.options.recorderDb);
      return this.reader.latest(1)[0]?.id ?? 0;
    } catch {
      return 0; // no store yet
    }
  }

  private readNew(): Panel<{ shown: StoredDatagram[]; more: number }> {
    try {
      this.reader ??= new RecorderReader(this.options.recorderDb);
      const total = this.reader.countAfter(this.lastId);
      if (total === 0) return { ok: true, data: { shown: [], more: 0 } };
      const newest = this.reader.latest(Math.min(total, this.options.feedMaxRows));
      this.lastId = newest.at(-1)!.id;
      return { ok: true, data: { shown: newest, more: total - newest.length } };
    } catch (error) {
      this.reader?.close();
      this.reader = undefined; // the store may not exist yet: try again next time
      return { ok: false, error: (error as Error).message };
    }
  }

  readonly close = once(async () => {
    clearInterval(this.feedTimer);
    for (const client of this.feed.clients) client.terminate();
    this.http.closeAllConnections();
    await closeServer(this.http);
    this.reader?.close();
  });
}

/** The request's path and query; a target that is no path (`//`, `*`, junk) reads as one that matches nothing. */
function requestUrl(request: http.IncomingMessage): URL {
  const target = request.url ?? '/';
  return target.startsWith('/') && URL.canParse(target, 'http://dashboard') && !target.startsWith('//') ? new URL(target, 'http://dashboard') : new URL('http://dashboard/%00');
}
