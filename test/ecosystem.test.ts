/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import puppeteer from 'puppeteer-core';
import { WebSocket } from 'ws';
import dgram from 'node:dgram';
import { bindDatagram, closeSocket } from '../lib/listen.js';
import { PM2_BIN } from '../lib/pm2-bin.js';
import { pmuMessage } from '../lib/pmu/command.js';
import { projectRoot } from '../lib/paths.js';
import { silentUdpPort, tcpExchange, waitFor, withoutSocklabVariables } from './helpers.js';

const PM2 = PM2_BIN;

function run(script: string, args: string[], env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [script, ...args], { cwd: projectRoot, env, encoding: 'utf8', timeout: 60_000 });
}

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(projectRoot, 'test-results');

/** The port in an app's ready line in its pm2 log. */
async function readyPort(home: string, app: string, part: string): Promise<number> {
  const log = path.join(home, 'logs', `${app}-out.log`);
  return waitFor(`${app}'s ready line`, () => {
    const line = (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').find((entry) => entry.includes('"message":"ready"'));
    const endpoint = line ? (JSON.parse(line.slice(line.indexOf('{'))) as { endpoints: string[] }).endpoints.find((entry) => entry.startsWith(part)) : undefined;
    return endpoint ? Number(/:(\d+)[\s/]/.exec(`${endpoint} `)![1]) : undefined;
  });
}

/**
 * The dashboard as a student sees it after npm start, in Chromium at a laptop's and a phone's size:
 * no horizontal scrolling, a badge per app, the counters in words, the runtime's internals folded
 * away; and the TLS PMU's panel after two `socklab tls` runs (TLS 1.3 and 1.2): two sessions.
 */
async function lookAtTheDashboard(dashboard: string, home: string, env: NodeJS.ProcessEnv): Promise<void> {
  const tlsPort = await readyPort(home, 'tls-pmu', 'tls-pmu');
  for (const version of ['1.3', '1.2']) {
    const tls = spawnSync(process.execPath, [path.join(projectRoot, 'dist', 'cli', 'main.js'), 'tls', 'CMD_short:0', '--port', String(tlsPort), '--ca', path.join(home, 'ca', 'cacert.pem'), '--tls-version', version], { env, encoding: 'utf8', timeout: 30_000 });
    expect(tls.status, tls.stderr).toBe(0);
  }
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  onTestFinished(() => browser.close());
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [width, height] of [[1280, 800], [390, 844]] as const) {
    const page = await browser.newPage();
    await page.setViewport({ width, height });
    await page.goto(dashboard);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('#tls .sessions tbody tr').length >= 2, { timeout: 20_000 });
    // The cards' counters are pm2's metrics, pushed on their own period: they may come after the log's rows.
    await page.waitForFunction(() => /TLS PMU: 2 sessions/.test(document.querySelector('.app[data-app="tls-pmu"] .counters')?.textContent ?? ''), { timeout: 20_000 });
    const overflow = await page.evaluate(() => [
      ['page', document.documentElement.scrollWidth, window.innerWidth],
      ...[...document.querySelectorAll('section')].map((section) => [section.id, section.scrollWidth, section.clientWidth]),
    ]);
    for (const [what, scroll, room] of overflow) expect(Number(scroll), `${what} at ${width} px`).toBeLessThanOrEqual(Number(room));
    expect(await page.$$eval('.app .badge', (badges) => badges.map((badge) => badge.textContent))).toEqual(['online', 'online', 'online', 'online', 'online']);
    const card = (app: string) => page.$eval(`.app[data-app="${app}"] .counters`, (node) => node.textContent ?? '');
    expect(await card('lab')).toMatch(/PMU over TCP: \d+ sessions?, [\d.]+ (bytes?|KiB|MiB) sent/);
    expect(await card('lab')).toMatch(/TV channel: \d+ lines?, \d+ repl(y|ies)/);
    expect(await card('mcast-recorder')).toMatch(/Recorder: \d+ stored, 0 lost, [\d.]+\/s/);
    expect(await card('tls-pmu')).toMatch(/TLS PMU: 2 sessions \(TLS 1\.3: 1, TLS 1\.2: 1\), 0 failed handshakes/);
    // The runtime's internals are there, folded away until asked for.
    expect(await page.$$eval('.app details.runtime', (all) => all.every((details) => !(details as HTMLDetailsElement).open && !(details.querySelector('dl') as HTMLElement).checkVisibility()))).toBe(true);
    expect(await page.$$eval('#tls .sessions tbody tr', (rows) => rows.map((row) => row.children[4]!.textContent))).toEqual(['CMD_short:0', 'CMD_short:0']);
    await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${width}.png`), fullPage: true });
    await page.close();
  }
}

describe('pm2 ecosystem (npm start / npm stop)', () => {
  it('declares one fork-mode app per service with readiness, bounded shutdown, back-off and dated logs', () => {
    const { apps } = require(path.join(projectRoot, 'ecosystem.config.js')) as { apps: Array<Record<string, unknown>> };
    expect(apps.map((app) => app.name)).toEqual(['lab', 'mcast-recorder', 'tls-pmu', 'reset-prober', 'dashboard']);
    for (const app of apps) {
      expect(app).toMatchObject({ exec_mode: 'fork', instances: 1, wait_ready: true, cwd: projectRoot, args: ['service', app.name] });
      expect(app.kill_timeout).toBeGreaterThan(5000); // above service.shutdownTimeoutMs
      expect(app.exp_backoff_restart_delay).toBeGreaterThan(0);
      expect(app.max_memory_restart).toBeDefined();
      expect(String(app.log_date_format)).toContain('SSS');
      expect(Array.isArray(app.node_args)).toBe(true);
    }
  });

  it('starts the apps under a private PM2_HOME, serves, and removes them again', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'socklab-pm2-'));
    const overlay = path.join(home, 'ports.json');
    // The recorder records the lab's TV channel, as after npm start: one port for both.
    const probe = dgram.createSocket('udp4');
    await bindDatagram(probe, { address: '127.0.0.1', port: 0 });
    const tvPort = probe.address().port;
    await closeSocket(probe);
    writeFileSync(
      overlay,
      JSON.stringify({
        lab: { pmuTcp: { port: 0 }, pmuUdp: { port: 0 }, tv: { port: tvPort, intervalMs: 200 }, pmuWs: { port: 0 } },
        prober: { db: path.join(home, 'prober.db'), port: await silentUdpPort(), timeoutMs: 50, maxRounds: 2 },
        recorder: { db: path.join(home, 'recorder.db'), port: tvPort },
        tlsPmu: { port: 0, key: path.join(home, 'server_key.pem'), cert: path.join(home, 'server.cert.pem'), localCa: path.join(home, 'ca') },
        dashboard: { port: 0 },
      }),
    );
    const env = { ...withoutSocklabVariables(process.env), PM2_HOME: home, SOCKLAB_CONFIG: overlay };
    onTestFinished(() => {
      run(PM2, ['kill'], env);
    });

    const started = run(path.join(projectRoot, 'dist', 'scripts', 'start.js'), [], env);
    expect(started.status, started.stderr).toBe(0);
    expect(started.stdout).toContain('socklab is running under pm2 (profile local)');
    expect(started.stdout).toContain(`made ${path.join(home, 'server.cert.pem')}`); // the local CA signed a server certificate
    expect(started.stdout).toContain('npx pm2 logs');

    const list = JSON.parse(run(PM2, ['jlist'], env).stdout) as Array<{ name: string; pm2_env: { status: string } }>;
    expect(list.map((app) => [app.name, app.pm2_env.status])).toEqual([
      ['lab', 'online'],
      ['mcast-recorder', 'online'],
      ['tls-pmu', 'online'],
      ['reset-prober', 'online'],
      ['dashboard', 'online'],
    ]);

    const outLog = path.join(home, 'logs', 'lab-out.log');
    const ready = await waitFor('the lab\'s ready line in its pm2 log', () => {
      const text = existsSync(outLog) ? readFileSync(outLog, 'utf8') : '';
      // pm2 prefixes each line with its own date (log_date_format); the JSON follows.
      const line = text.split('\n').find((entry) => entry.includes('"message":"ready"'));
      return line ? (JSON.parse(line.slice(line.indexOf('{'))) as { endpoints: string[] }) : undefined;
    });
    const tcp = ready.endpoints.find((endpoint) => endpoint.startsWith('pmu-tcp'))!;
    const port = Number(/:(\d+)$/.exec(tcp)![1]);
    const { data } = await tcpExchange(port, 'CMD_short:0');
    expect(data.toString().startsWith(pmuMessage(1) + pmuMessage(2))).toBe(true);

    // Each app's counters reach pm2 as custom metrics (pm2 show, pm2 monit, the dashboard).
    type Monitored = Array<{ name: string; pm2_env: { axm_monitor?: Record<string, { value: unknown }> } }>;
    const metrics = await waitFor('the apps\' metrics in pm2', () => {
      const list = JSON.parse(run(PM2, ['jlist'], env).stdout) as Monitored;
      const of = (name: string) => list.find((app) => app.name === name)?.pm2_env.axm_monitor ?? {};
      const ready = Number(of('lab')['pmu-tcp sessions']?.value) >= 1 && of('reset-prober')['IPv4 last probe'] && of('mcast-recorder')['rows stored'] && of('tls-pmu').sessions;
      return ready ? of : undefined;
    });
    expect(Object.keys(metrics('lab'))).toEqual(expect.arrayContaining(['pmu-tcp sessions', 'pmu-tcp bytesSent', 'pmu-udp answered', 'tv replies', 'pmu-ws sessions']));
    expect(String(metrics('reset-prober')['IPv4 last probe']!.value)).toMatch(/^no answer \(2 rounds\) at /);
    expect(Object.keys(metrics('mcast-recorder'))).toEqual(expect.arrayContaining(['datagrams received', 'rows stored', 'rows stored per second']));
    expect(Object.keys(metrics('tls-pmu'))).toEqual(expect.arrayContaining(['sessions', 'handshake failures', 'TLSv1.3 sessions']));

    // The dashboard (under the same pm2) lists them with pm2's state, their counters and their last log lines.
    const dashboardLog = path.join(home, 'logs', 'dashboard-out.log');
    const dashboard = await waitFor('the dashboard\'s ready line', () => {
      const line = (existsSync(dashboardLog) ? readFileSync(dashboardLog, 'utf8') : '').split('\n').find((entry) => entry.includes('"message":"ready"'));
      return line ? (JSON.parse(line.slice(line.indexOf('{'))) as { endpoints: string[] }).endpoints[0]!.split(' ')[1] : undefined;
    });
    const services = (await (await fetch(`${dashboard}api/services`)).json()) as { apps: Array<{ name: string; status: string; metrics: Record<string, string>; log: string[] }> };
    expect(services.apps.map((app) => [app.name, app.status])).toEqual(list.map((app) => [app.name, 'online']));
    expect(Number(services.apps.find((app) => app.name === 'lab')!.metrics['pmu-tcp sessions'])).toBeGreaterThanOrEqual(1);
    expect(services.apps.find((app) => app.name === 'lab')!.log.length).toBeGreaterThan(0);
    if (existsSync(CHROMIUM)) await lookAtTheDashboard(dashboard, home, env);
    // pm2's events reach an open page at once: a restart of the prober is pushed on the feed.
    // As the page opens it: from its own origin (the feed refuses any other, and none).
    const feed = new WebSocket(`${dashboard.replace('http', 'ws')}feed`, { origin: new URL(dashboard).origin });
    onTestFinished(() => feed.close());
    const events: Array<{ kind: string; app?: string; event?: string }> = [];
    feed.on('message', (data) => events.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      feed.once('open', resolve);
      feed.once('error', reject);
    });
    run(PM2, ['restart', 'reset-prober'], env);
    await waitFor('the restart on the feed', () => events.some((event) => event.kind === 'service' && event.app === 'reset-prober'));

    const stopped = run(path.join(projectRoot, 'dist', 'scripts', 'stop.js'), [], env);
    expect(stopped.status, stopped.stderr).toBe(0);
    expect(JSON.parse(run(PM2, ['jlist'], env).stdout)).toEqual([]);
    expect(readFileSync(outLog, 'utf8')).toContain('"message":"stopped"');
  });

  it('stops an app that exits 2 (configuration) and restarts with back-off one that crashes (unusable store)', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'socklab-pm2-'));
    const garbage = path.join(home, 'garbage_key.pem');
    writeFileSync(garbage, 'not a key', { mode: 0o600 });
    const notDatabase = path.join(home, 'recorder.db');
    writeFileSync(notDatabase, 'not a database, only text '.repeat(100));
    const overlay = path.join(home, 'broken.json');
    writeFileSync(overlay, JSON.stringify({ recorder: { db: notDatabase, port: 0 }, tlsPmu: { port: 0, key: garbage, cert: garbage } }));
    const env = { ...withoutSocklabVariables(process.env), PM2_HOME: home, SOCKLAB_CONFIG: overlay };
    onTestFinished(() => {
      run(PM2, ['kill'], env);
    });
    run(PM2, ['start', path.join(projectRoot, 'ecosystem.config.js'), '--only', 'tls-pmu,mcast-recorder'], env);
    type App = { name: string; pm2_env: { status: string; restart_time: number } };
    const apps = () => Object.fromEntries((JSON.parse(run(PM2, ['jlist'], env).stdout) as App[]).map((app) => [app.name, app.pm2_env]));
    const settled = await waitFor('tls-pmu stopped and mcast-recorder restarted twice', () => {
      const now = apps();
      return now['tls-pmu']?.status === 'stopped' && (now['mcast-recorder']?.restart_time ?? 0) >= 2 ? now : undefined;
    }, 20_000);
    expect(settled['tls-pmu']!.restart_time).toBe(0);
    expect(readFileSync(path.join(home, 'logs', 'tls-pmu-error.log'), 'utf8')).toContain(`tlsPmu.key ${garbage} is not a PEM private key`);
    expect(readFileSync(path.join(home, 'logs', 'mcast-recorder-error.log'), 'utf8')).toContain(`SQLITE_NOTADB ${notDatabase}: file is not a database`);
  });
});
