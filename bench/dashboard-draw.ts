/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Page } from 'puppeteer-core';
import { closeServer, listen } from '../lib/listen.js';
import { alternate, type BenchResult, median, startService } from './harness.js';
import { yearStore } from './prober-report-year.js';

const ROUNDS = 9;

async function timed(page: Page, url: string, ready: string): Promise<number> {
  const started = performance.now();
  await page.goto(url);
  await page.waitForSelector(ready);
  return performance.now() - started;
}

/** Issues 14 and 25: the page fully drawn, charts included, over a one-year prober store, beside a static page of the same size. */
export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-draw-'));
  const proberDb = path.join(dir, 'prober.db');
  yearStore(proberDb);
  const service = await startService(['service', 'dashboard', '--prober.db', proberDb, '--recorder.db', path.join(dir, 'recorder.db'), '--dashboard.port', '0']);
  const url = service.endpoints[0]!.split(' ')[1]!;
  const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  let staticServer: http.Server | undefined;
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    // The same page, drawn once and saved as it stands: what a static page of that size costs.
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    const drawn = (await page.content()).replace(/<script[^>]*><\/script>/g, '').replace('<body', '<body data-ready="true"');
    const styles: Record<string, string> = { '/app.css': await (await fetch(`${url}app.css`)).text(), '/uplot.css': await (await fetch(`${url}uplot.css`)).text() };
    staticServer = http.createServer((request, response) => {
      const css = styles[request.url ?? ''];
      response.writeHead(200, { 'content-type': css === undefined ? 'text/html' : 'text/css' });
      response.end(css ?? drawn);
    });
    const { port } = await listen(staticServer, { host: '127.0.0.1', port: 0 });
    const samples = await alternate(ROUNDS, {
      dashboard: () => timed(page, url, 'body[data-ready="true"]'),
      static: () => timed(page, `http://127.0.0.1:${port}/`, 'body[data-ready="true"]'),
    });
    const ratio = median(samples.dashboard!) / median(samples.static!);
    return {
      name: 'dashboard page fully drawn over a one-year prober store (1,051,200 probes) vs the same page saved as static HTML',
      table: [
        ['page', `median ms to drawn (${ROUNDS} alternating loads)`, 'samples'],
        ['dashboard (fetches, draws the maps and the uPlot charts)', median(samples.dashboard!).toFixed(0), samples.dashboard!.map((value) => value.toFixed(0)).join(', ')],
        [`static copy (${(drawn.length / 1024).toFixed(0)} KiB)`, median(samples.static!).toFixed(0), samples.static!.map((value) => value.toFixed(0)).join(', ')],
        ['ratio', ratio.toFixed(2), ''],
      ],
      verdict: `ratio ${ratio.toFixed(2)} (target ≤ 1.5)`,
      pass: ratio <= 1.5,
    };
  } finally {
    await browser.close();
    if (staticServer) await closeServer(staticServer);
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
