/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import dgram from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalServerCertificate } from '../../../lib/certs/local.js';
import { bindDatagram, closeSocket } from '../../../lib/listen.js';
import { projectRoot } from '../../../lib/paths.js';
import { encodeTvDatagram } from '../../../lib/tv.js';
import { Pm2Status } from '../../../services/dashboard/pm2-status.js';
import { DashboardServer, type DashboardOptions } from '../../../services/dashboard/server.js';
import { MulticastRecorder } from '../../../services/mcast-recorder/recorder.js';
import { RecorderStore } from '../../../services/mcast-recorder/store.js';
import { SERVICES } from '../../../services/registry.js';
import { ProberStore, type ProbeRecord } from '../../../services/reset-prober/store.js';
import { closeAfter, memoryLogger, runCli } from '../../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ASSETS = path.join(projectRoot, 'services', 'dashboard', 'public');
const ARTIFACTS = path.join(projectRoot, 'test-results');

/** The TLS PMU's log as pm2 writes it: its date, then the JSON line. */
const TLS_LOG = [
  ['TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  ['TLSv1.3', 'TLS_AES_256_GCM_SHA384'],
  ['TLSv1.2', 'ECDHE-RSA-AES256-GCM-SHA384'],
].map(([tlsVersion, cipher], index) =>
  `2026-11-28T10:00:0${index}.000+00:00: ${JSON.stringify({ level: 'info', message: 'session', peer: `127.0.0.1:4000${index}`, command: 'CMD_short:0', outcome: 'answered', messages: 5, tlsVersion, cipher, timestamp: `2026-11-28T10:00:0${index}.000Z` })}`,
);

const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-dashboard-'));
const files = {
  prober: path.join(folder, 'prober.db'),
  recorder: path.join(folder, 'recorder.db'),
  key: path.join(folder, 'server_key.pem'),
  cert: path.join(folder, 'server.cert.pem'),
};

/** Yesterday and today, local time: IPv4 answers in the morning hours, IPv6 in the afternoon ones. */
function seedProber(): Array<{ day: string; hour: number; family: string; probed: number; answered: number }> {
  const store = new ProberStore(files.prober);
  const expected = [];
  const now = new Date();
  for (const daysAgo of [1, 0]) {
    const day = new Date(now.getFullYear(), now.getMonth(), now.getDate() - daysAgo);
    const label = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
    for (const hour of [9, 15]) {
      const records: ProbeRecord[] = [0, 20, 40].flatMap((minute) =>
        (['IPv4', 'IPv6'] as const).map((family) => {
          const up = (family === 'IPv4') === (hour === 9);
          const at = new Date(day.getFullYear(), day.getMonth(), day.getDate(), hour, minute).toISOString();
          return { at, family, targets: [], acknowledged: up, address: null, offset: up ? 4 : null, rounds: up ? 2 : 20, packets: up ? 2 : 20, rttMs: null, error: null };
        }),
      );
      store.append(records.map((record) => ({ kind: 'probe', record })));
      expected.push({ day: label, hour, family: 'IPv4', probed: 3, answered: hour === 9 ? 3 : 0 }, { day: label, hour, family: 'IPv6', probed: 3, answered: hour === 9 ? 0 : 3 });
    }
  }
  store.close();
  return expected;
}

function options(overrides: Partial<DashboardOptions> = {}): DashboardOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    token: '',
    allowedHosts: [],
    days: 14,
    proberDb: files.prober,
    recorderDb: files.recorder,
    tlsCert: files.cert,
    services: () => new Pm2Status(Object.keys(SERVICES)).read(),
    logOf: async () => TLS_LOG,
    followServices: async () => undefined,
    feedEveryMs: 100,
    feedMaxRows: 20,
    ...overrides,
  };
}

async function startDashboard(overrides: Partial<DashboardOptions> = {}): Promise<string> {
  const server = closeAfter(new DashboardServer(options(overrides), ASSETS, memoryLogger('dashboard').logger));
  const { port } = await server.listen();
  return `http://127.0.0.1:${port}`;
}

let browser: Browser;
let seeded: ReturnType<typeof seedProber>;

beforeAll(async () => {
  seeded = seedProber();
  ensureLocalServerCertificate({ keyFile: files.key, certFile: files.cert, caDir: path.join(folder, 'ca') });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

async function open(url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return page;
}

describe.runIf(existsSync(CHROMIUM))('dashboard in a real browser', () => {
  it('lists the apps, draws the prober\'s hour × day map, shows datagrams as they come (as text), and exports what prober report does', async () => {
    // The recorder writes the store the page follows; a datagram is sent while the page is open.
    const recorder = closeAfter(
      new MulticastRecorder(
        { groups: ['224.1.1.1'], port: 0, iface: '127.0.0.1', receiveBufferBytes: 1 << 20, batchMs: 20, batchRows: 100, maxPendingRows: 1000, countersEveryMs: 60_000 },
        new RecorderStore(files.recorder),
        memoryLogger().logger,
        (error) => expect.unreachable(error.message),
      ),
    );
    const { port: groupPort } = await recorder.listen();
    // With a token, as off loopback: the page carries it to every request and to its feed.
    const url = await startDashboard({ token: 'sesame' });
    const page = await open(`${url}/?token=sesame`);

    const apps = await page.$$eval('#services .app .name', (cells) => cells.map((cell) => cell.textContent));
    expect(apps).toEqual(Object.keys(SERVICES));

    const cells = await page.$$eval('svg.heatmap rect', (rects) =>
      rects.filter((rect) => (rect as SVGRectElement).dataset.probed !== '0').map((rect) => ({ ...(rect as SVGRectElement).dataset })),
    );
    expect(cells.map((cell) => ({ day: cell.day, hour: Number(cell.hour), family: cell.family, probed: Number(cell.probed), answered: Number(cell.answered) })).sort((a, b) => `${a.family}${a.day}${a.hour}`.localeCompare(`${b.family}${b.day}${b.hour}`))).toEqual(
      [...seeded].sort((a, b) => `${a.family}${a.day}${a.hour}`.localeCompare(`${b.family}${b.day}${b.hour}`)),
    );
    expect(await page.$$eval('svg.heatmap rect', (rects) => rects.length)).toBe(2 * 14 * 24);
    // The chart of the last 24 hours has a point per hourly bucket the store has in that window.
    const lastDay = new Set(seeded.filter((cell) => Date.now() - new Date(`${cell.day}T${String(cell.hour).padStart(2, '0')}:00:00`).getTime() < 25 * 3600_000 && new Date(`${cell.day}T${String(cell.hour).padStart(2, '0')}:00:00`).getTime() <= Date.now()).map((cell) => `${cell.day} ${cell.hour}`));
    expect(await page.$eval('#prober .chart', (node) => Number((node as HTMLElement).dataset.points))).toBe(lastDay.size);
    expect(await page.$$eval('#prober .chart canvas', (canvases) => canvases.length)).toBe(1);

    const sender = dgram.createSocket('udp4');
    await bindDatagram(sender, { address: '127.0.0.1', port: 0 });
    sender.setMulticastInterface('127.0.0.1');
    const hostile = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">';
    await new Promise((resolve) => sender.send(encodeTvDatagram('evil01', hostile), groupPort, '224.1.1.1', resolve));
    await closeSocket(sender);
    await page.waitForFunction((text) => [...document.querySelectorAll('#recorder .feed li')].some((line) => line.textContent?.includes(text)), { timeout: 10_000 }, hostile);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.$$eval('#recorder .feed img, #recorder .feed script', (nodes) => nodes.length)).toBe(0);
    // The recorder's chart, once redrawn, has a point per minute the store has datagrams in (as `recorder query --json` lists them).
    const stored = JSON.parse((await runCli(['recorder', 'query', '--db', files.recorder, '--json'])).stdout) as Array<{ receivedAt: string }>;
    const minutes = new Set(stored.map((row) => row.receivedAt.slice(0, 16))).size;
    await page.waitForFunction((count) => Number((document.querySelector('#recorder .chart') as HTMLElement).dataset.points) === count, { timeout: 10_000 }, minutes);

    expect(await page.$eval('#tls .by', (node) => node.textContent)).toBe('by version: TLSv1.3 2, TLSv1.2 1; by cipher: TLS_AES_256_GCM_SHA384 2, ECDHE-RSA-AES256-GCM-SHA384 1');
    expect(await page.$$eval('#tls .sessions tbody tr', (rows) => rows.length)).toBe(3);

    const csv = await page.evaluate(async () => (await fetch(document.getElementById('prober-csv')!.getAttribute('href')!)).text());
    const cli = await runCli(['prober', 'report', '--db', files.prober, '--csv']);
    expect(csv).toBe(cli.stdout);
    const datagrams = await page.evaluate(async () => (await fetch(document.getElementById('recorder-csv')!.getAttribute('href')!)).text());
    expect(datagrams).toBe((await runCli(['recorder', 'export', '--db', files.recorder, '--format', 'csv'])).stdout);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await page.close();
  });

  it('shows a panel\'s error in place when its API answers 500, and the other panels still draw', async () => {
    const url = await startDashboard({ services: async () => Promise.reject(new Error('pm2 exploded')) });
    const page = await open(url);
    expect(await page.$eval('#services .note', (node) => node.textContent)).toMatch(/^the dashboard answered 500: /);
    expect(await page.$$eval('svg.heatmap', (maps) => maps.length)).toBe(2);
    expect(await page.$eval('#tls .by', (node) => node.textContent)).toMatch(/^by version: /);
    await page.close();
  });

  it('degrades one panel, not the page, when a store is missing', async () => {
    const url = await startDashboard({ proberDb: path.join(folder, 'none.db') });
    const page = await open(url);
    expect(await page.$eval('#prober .note', (node) => node.textContent)).toMatch(/none\.db/);
    expect(await page.$$eval('#services .app', (cards) => cards.length)).toBe(Object.keys(SERVICES).length);
    await page.close();
  });
});

describe('dashboard HTTP', () => {
  it('is read-only, strict about its content policy, 404s unknown paths, 400s bad values, and wants its token when it has one', async () => {
    const url = await startDashboard();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await (await fetch(`${url}/nothing`)).json()).toEqual({ error: 'no such page: /nothing' });
    const bad = await fetch(`${url}/api/prober?days=zero`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'days must be a whole number from 1 to 366' });
    expect((await fetch(`${url}/api/prober`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/../../certs/server_key.pem`)).status).toBe(404);

    const guarded = await startDashboard({ token: 'sesame' });
    expect((await fetch(`${guarded}/api/prober`)).status).toBe(401);
    expect((await fetch(`${guarded}/app.js`)).status).toBe(200); // the page's own files hold no data
    expect((await fetch(`${guarded}/api/prober?token=wrong`)).status).toBe(401);
    expect((await fetch(`${guarded}/api/prober?token=sesame`)).status).toBe(200);
    expect((await fetch(`${guarded}/api/tls`, { headers: { authorization: 'Bearer sesame' } })).status).toBe(200);
  });

  it('refuses to listen beyond loopback without a token: exit 2, one line', async () => {
    const run = await runCli(['service', 'dashboard', '--dashboard.host', '0.0.0.0', '--dashboard.port', '0', '--log.format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dashboard.host 0.0.0.0 is not loopback: set dashboard.token');
  });
});
