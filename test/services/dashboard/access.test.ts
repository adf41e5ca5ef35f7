import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DashboardAccess } from '../../../services/dashboard/access.js';
import { spawnService } from '../../helpers.js';

const TOKEN = 'sesame';

describe('DashboardAccess', () => {
  const access = new DashboardAccess({ host: '127.0.0.1', port: 5080, allowedHosts: ['dash.example.org', 'proxy.example.org:8443'], token: TOKEN });
  const url = (query: string) => new URL(`http://x/api?${query}`);

  it('answers to its own names on its own port, and to the allowed hosts', () => {
    for (const host of ['127.0.0.1:5080', 'localhost:5080', 'LOCALHOST:5080', '[::1]:5080', 'dash.example.org', 'dash.example.org:443', 'proxy.example.org:8443']) {
      expect(access.hostAllowed(host), host).toBe(true);
    }
    for (const host of [undefined, '', 'evil.example:5080', 'evil.example', '127.0.0.1', '127.0.0.1:5081', 'localhost', '127.0.0.2:5080', 'proxy.example.org', '[::1', 'localhost:5080:1', 'a b:5080']) {
      expect(access.hostAllowed(host), String(host)).toBe(false);
    }
  });

  it('lets the feed open only from the page\'s own origins, matched exactly', () => {
    expect(access.originAllowed('http://127.0.0.1:5080')).toBe(true);
    expect(access.originAllowed('http://localhost:5080')).toBe(true);
    expect(access.originAllowed('https://dash.example.org')).toBe(true);
    for (const origin of [undefined, 'null', 'http://evil.example', 'http://evil.example:5080', 'http://127.0.0.2:5080', 'http://203.0.113.20:5080', 'http://127.0.0.1:5081', 'http://127.0.0.1:5080/', 'http://127.0.0.1:5080/page', 'file://', 'ws://127.0.0.1:5080']) {
      expect(access.originAllowed(origin), String(origin)).toBe(false);
    }
  });

  it('compares tokens without ever throwing, whatever their length or bytes', () => {
    expect(access.tokenAccepted(url(`token=${TOKEN}`), undefined)).toBe(true);
    expect(access.tokenAccepted(url(''), `Bearer ${TOKEN}`)).toBe(true);
    for (const query of ['', 'token=', 'token=%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9%C3%A9', 'token=%C3%A9%C3%A9%C3%A9', 'token=%ZZ', 'token=%00%00%00%00%00%00', `token=${'x'.repeat(10_000)}`, 'token=sesam%C3']) {
      expect(access.tokenAccepted(url(query), undefined), query).toBe(false);
    }
    expect(access.tokenAccepted(url(''), 'Bearer ÃÃÃ')).toBe(false);
    expect(new DashboardAccess({ host: '127.0.0.1', port: 1, allowedHosts: [], token: '' }).tokenAccepted(url(''), undefined)).toBe(true);
  });
});

/** Sends `request` as it is and returns what came back until the server closed (or, for a 101, the head). */
function raw(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(request));
    let received = Buffer.alloc(0);
    const done = () => {
      socket.destroy();
      resolve(received.toString('latin1'));
    };
    socket.setTimeout(10_000, done); // a bound, not an expectation: every request here asks the server to close
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.toString('latin1').startsWith('HTTP/1.1 101')) done();
    });
    socket.on('close', done);
    socket.on('error', reject);
  });
}

const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);

describe('the dashboard service under hostile requests', () => {
  it('answers 401 to hostile tokens and refuses foreign hosts and origins, over HTTP and the feed, and keeps serving', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-dashboard-access-'));
    const service = await spawnService([
      'service', 'dashboard', '--dashboard.port', '0', '--dashboard.token', TOKEN,
      '--prober.db', path.join(folder, 'prober.db'), '--recorder.db', path.join(folder, 'recorder.db'),
    ]);
    const port = Number(/:(\d+)\//.exec(service.endpoints[0]!)![1]);
    const host = `Host: 127.0.0.1:${port}`;
    const get = (target: string, headers = '') => `GET ${target} HTTP/1.1\r\n${host}\r\n${headers}Connection: close\r\n\r\n`;
    const upgrade = (target: string, headers = `Origin: http://127.0.0.1:${port}\r\n`) =>
      `GET ${target} HTTP/1.1\r\n${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n${headers}\r\n`;
    const sameLength = '%C3%A9'.repeat(TOKEN.length); // six characters, twelve bytes: threw in timingSafeEqual
    const sameBytes = '%C3%A9'.repeat(TOKEN.length / 2); // six bytes, three characters

    const hostileTokens: Array<string | Buffer> = [
      get(`/api/prober?token=${sameLength}`),
      get(`/api/prober?token=${sameBytes}`),
      get('/api/recorder?token=%ZZ%ZZ%ZZ'),
      get('/api/tls?token=%00%00%00%00%00%00'),
      get('/api/services?token=sesam%C3'),
      get('/api/services', 'Authorization: Bearer \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\r\n'),
      Buffer.concat([Buffer.from(`GET /api/services HTTP/1.1\r\n${host}\r\nAuthorization: Bearer `), Buffer.from([0xc3, 0xa9, 0xff, 0xfe, 0x80, 0x9b]), Buffer.from('\r\nConnection: close\r\n\r\n')]),
      get('/api/services', 'Authorization: Basic c2VzYW1lOnNlc2FtZQ==\r\n'),
      upgrade(`/feed?token=${sameLength}`),
      upgrade(`/feed?token=${sameBytes}`),
      upgrade('/feed'),
    ];
    for (const request of hostileTokens) expect(statusOf(await raw(port, request)), String(request)).toBe(401);

    const foreign = await raw(port, `GET /api/prober?token=${TOKEN} HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`);
    expect(statusOf(foreign)).toBe(421);
    expect(foreign.split('\r\n\r\n')[1]!.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(foreign.split('\r\n\r\n')[1]!)).toHaveProperty('error');
    expect([400, 421]).toContain(statusOf(await raw(port, `GET / HTTP/1.1\r\nConnection: close\r\n\r\n`))); // no Host at all: Node's parser refuses it first
    expect(statusOf(await raw(port, upgrade(`/feed?token=${TOKEN}`, 'Origin: http://evil.example\r\n')))).toBe(403);
    expect(statusOf(await raw(port, upgrade(`/feed?token=${TOKEN}`, `Origin: http://203.0.113.20:${port}\r\n`)))).toBe(403);
    expect(statusOf(await raw(port, upgrade(`/feed?token=${TOKEN}`, '')))).toBe(403);

    // Other junk: methods, bodies, targets that are no path, broken headers and upgrades.
    const junk: Array<string | Buffer> = [
      `POST /api/prober?token=${TOKEN} HTTP/1.1\r\n${host}\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n${'x'.repeat(100_000)}`,
      `DELETE / HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`,
      `BREW /pot HTTP/1.1\r\n${host}\r\n\r\n`,
      get(`//?token=${TOKEN}`),
      get(`//evil.example/api/prober?token=${TOKEN}`),
      `OPTIONS * HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`,
      get(`/%?token=${TOKEN}`),
      get(`/api/prober?days=1e400&token=${TOKEN}`),
      `GET / HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n`,
      `GET /api/services HTTP/1.1\r\n${host}\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
      `GET / HTTP/1.1\r\n${host}\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
      'garbage\r\n\r\n',
      Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]),
      upgrade(`//?token=${TOKEN}`),
      upgrade(`/elsewhere?token=${TOKEN}`),
      `GET /feed?token=${TOKEN} HTTP/1.1\r\n${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: http://127.0.0.1:${port}\r\n\r\n`,
      `GET /feed?token=${TOKEN} HTTP/1.1\r\n${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 99\r\nSec-WebSocket-Key: short\r\nOrigin: http://127.0.0.1:${port}\r\n\r\n`,
    ];
    for (const request of junk) {
      const status = statusOf(await raw(port, request));
      expect(status === 0 || (status >= 400 && status < 500), `${String(request).slice(0, 60)} → ${status}`).toBe(true);
    }

    // Still serving, and the one right request is answered; no CORS header anywhere.
    const served = await fetch(`http://127.0.0.1:${port}/api/services?token=${TOKEN}`);
    expect(served.status).toBe(200);
    expect([...served.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
    expect((await fetch(`http://localhost:${port}/?token=${TOKEN}`)).status).toBe(200);
    const feed = await raw(port, upgrade(`/feed?token=${TOKEN}`));
    expect(statusOf(feed)).toBe(101);
    expect(service.child.exitCode).toBeNull();
    expect(service.output()).not.toMatch(/uncaught|ERR_CRYPTO/i);
  }, 30_000);
});
