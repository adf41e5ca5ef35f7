/// <reference lib="dom" />
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { bindDatagram, closeSocket } from '../lib/listen.js';
import { openStoreReadOnly } from '../lib/sqlite.js';
import { encodeTvDatagram } from '../lib/tv.js';
import { type BenchResult, median, percentile, startService } from './harness.js';

const DATAGRAMS = 20_000;
const PER_SECOND = 10_000;

/** Issue 14: the recorder at 10,000 datagrams/s with the dashboard's page open. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-feed-'));
  const db = path.join(dir, 'recorder.db');
  const recorder = await startService(['service', 'mcast-recorder', '--recorder.db', db, '--recorder.port', '0']);
  const dashboard = await startService(['service', 'dashboard', '--recorder.db', db, '--prober.db', path.join(dir, 'prober.db'), '--dashboard.port', '0']);
  const recorderPort = Number(/ port (\d+) /.exec(recorder.endpoints[0]!)![1]);
  const dashboardUrl = dashboard.endpoints[0]!.split(' ')[1]!;
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.goto(dashboardUrl);
    await page.waitForSelector('body[data-ready="true"]');
    const sender = dgram.createSocket('udp4');
    await bindDatagram(sender, { address: '127.0.0.1', port: 0 });
    sender.setMulticastInterface('127.0.0.1');
    // The page answers while the burst goes on: round trips of a trivial evaluation, every 50 ms.
    const roundTrips: number[] = [];
    let bursting = true;
    const probing = (async () => {
      while (bursting) {
        const started = performance.now();
        await page.evaluate(() => document.querySelectorAll('#recorder .feed li').length);
        roundTrips.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    for (let sent = 0; sent < DATAGRAMS; ) {
      const due = Math.min(DATAGRAMS, Math.floor(((performance.now() - started) / 1000) * PER_SECOND));
      for (; sent < due; sent += 1) sender.send(encodeTvDatagram('burst1', `seq ${sent + 1}`), recorderPort, '224.1.1.1');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const count = () => {
      const store = openStoreReadOnly(db);
      try {
        return store.prepare('SELECT count(*) FROM datagrams').pluck().get() as number;
      } finally {
        store.close();
      }
    };
    const deadline = performance.now() + 15_000;
    while (count() < DATAGRAMS && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the feed's last pushes
    bursting = false;
    await probing;
    await closeSocket(sender);
    const stored = count();
    const feedLines = await page.$$eval('#recorder .feed li', (lines) => lines.length);
    const rss = dashboard.peakRssMiB();
    return {
      name: `dashboard open while the recorder takes ${DATAGRAMS.toLocaleString('en')} datagrams at ${PER_SECOND.toLocaleString('en')}/s`,
      table: [
        ['measure', 'value'],
        ['datagrams stored / sent', `${stored} / ${DATAGRAMS}`],
        ['dashboard peak RSS (MiB)', rss.toFixed(1)],
        ['page round trip during the burst, median / p95 / max (ms)', `${median(roundTrips).toFixed(1)} / ${percentile(roundTrips, 0.95).toFixed(1)} / ${Math.max(...roundTrips).toFixed(1)}`],
        ['feed lines kept in the page', String(feedLines)],
      ],
      verdict: `${stored}/${DATAGRAMS} stored (target: all), dashboard peak RSS ${rss.toFixed(1)} MiB (target < 150), the page answered within ${Math.max(...roundTrips).toFixed(0)} ms at worst`,
      pass: stored === DATAGRAMS && rss < 150,
    };
  } finally {
    await browser.close();
    await Promise.all([recorder.stop(), dashboard.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
