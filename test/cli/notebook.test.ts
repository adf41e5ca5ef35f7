/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import { machineChecks } from '../../lib/campus/doctor.js';
import { ProberStore } from '../../services/reset-prober/store.js';
import { runCli } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const canCampus = machineChecks({ campusOnly: true }).every((check) => check.ok);
const canCapture = process.getuid?.() === 0 && spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;

/** Every question the notebook must measure, and for each a measurement that must be a number. */
const NUMERIC: Record<string, string[]> = {
  Q2: ['bytes sent'],
  Q6: ['reads by the server (16-byte recv)', 'reads by the client (16-byte recv)'],
  Q10: ['messages'],
  Q11: ['reads (data events)', 'segments with payload from the server', 'bytes'],
  Q12: ['reads (data events)', 'segments with payload from the server'],
  Q14: ['bytes', 'segments with payload from the server'],
  Q15: ['reads (data events)'],
  Q16: ['recv(1024) calls'],
  Q17: ['rounds'],
  Q18: ['mean rounds per run', 'loss probability p̂'],
  Q19: ['channel datagrams heard'],
  Q23: ['segments with payload from the server (HTTP 101 and close frame included)'],
  Q24: ['message events (on_message)'],
  Q25: ['bytes'],
  Q26: ['handshake segments with payload to the server', 'handshake segments with payload from the server'],
  Q27: ['cipher suites offered'],
};
const PRESENT = ['Q4', 'Q5', 'Q7', 'Q9', 'Q13', 'Q20', 'Q21', 'Q22', 'Q28', 'Q29'];

interface NotebookJson {
  environment: { network: string; link: { name: string; mtu: number }; startedAt: string; endedAt: string; profile: string; node: string; kernel: string; timeZone: string };
  experiments: Array<{ id: string; ok: boolean; inputs: Record<string, unknown>; measurements: Array<{ question: string; name: string; value: unknown; unit: string }> }>;
}

describe('socklab notebook', () => {
  it('measures every measurable question, keeps inputs, raw values and the environment, and checksums its files', async () => {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-notebook-')), 'nb');
    const run = await runCli(['notebook', '--out', out, ...(canCapture ? ['--pcap'] : []), '--pmu.messagesMin', '5', '--pmu.messagesMax', '5'], {}, 90_000);
    expect(run.code, run.stderr).toBe(0);
    const notebook = JSON.parse(readFileSync(path.join(out, 'notebook.json'), 'utf8')) as NotebookJson;
    expect(notebook.experiments.every((experiment) => experiment.ok)).toBe(true);
    const measurements = notebook.experiments.flatMap((experiment) => experiment.measurements);
    for (const [question, names] of Object.entries(NUMERIC)) {
      for (const name of names) {
        const found = measurements.filter((measurement) => measurement.question === question && measurement.name === name);
        expect(found.length, `${question} ${name}`).toBeGreaterThan(0);
        for (const measurement of found) expect(typeof measurement.value, `${question} ${name}`).toBe('number');
      }
    }
    for (const question of PRESENT) expect(measurements.some((measurement) => measurement.question === question && measurement.value !== null), question).toBe(true);
    expect(measurements.find((measurement) => measurement.question === 'Q10')!.value).toBe(5);
    expect(measurements.find((measurement) => measurement.question === 'Q22' && measurement.name === 'the channel answered the 350-character message')!.value).toBe(true);
    expect(notebook.experiments.find((experiment) => experiment.id === 'pdc-1')!.inputs).toMatchObject({ command: 'CMD_short:1', d: 1 });
    // In the campus the segment counts are the course path's (MTU 1500); it says where it measured.
    expect(notebook.environment).toMatchObject(canCampus ? { network: 'campus', profile: 'epfl', link: { name: 'eth0', mtu: 1500 } } : { network: 'loopback' });
    if (canCampus) {
      const flood = measurements.find((measurement) => measurement.question === 'Q14' && measurement.name === 'segments with payload from the server')!.value as number;
      expect(flood).toBeGreaterThanOrEqual(Math.floor((1024 * 1024) / 1448));
    }
    expect(Date.parse(notebook.environment.endedAt)).toBeGreaterThan(Date.parse(notebook.environment.startedAt));
    const evidence = canCapture ? 'notebook.pcap: OK\ntls-keys.log: OK\n' : '';
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }).stdout).toBe(`notebook.json: OK\nnotebook.md: OK\nnotebook.html: OK\nflood.txt: OK\n${evidence}`);
    if (canCapture) {
      // socklab's counts beside the capture's, on the same connections: the flood, CMD_short:0, both TLS handshakes.
      const value = (id: string, name: string) => notebook.experiments.find((experiment) => experiment.id === id)!.measurements.find((measurement) => measurement.name === name)!.value as number;
      for (const id of ['pdc-0', 'flood']) {
        expect(Math.abs(value(id, 'segments with payload from the server') - value(id, 'packets with payload from the server in the capture')), id).toBeLessThanOrEqual(2);
      }
      for (const id of ['tls-1.3', 'tls-1.2']) {
        for (const way of ['to', 'from']) {
          expect(Math.abs(value(id, `handshake segments with payload ${way} the server`) - value(id, `handshake packets with payload ${way} the server in the capture`)), `${id} ${way}`).toBeLessThanOrEqual(2);
        }
      }
    }
    expect(readFileSync(path.join(out, 'notebook.md'), 'utf8')).toContain('## Q26');

    if (existsSync(CHROMIUM)) {
      const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
      try {
        const page = await browser.newPage();
        await page.goto(`file://${path.join(out, 'notebook.html')}`);
        expect(await page.$eval('h1', (node) => node.textContent)).toBe('socklab lab notebook');
        const sections = await page.$$eval('section', (nodes) => nodes.map((node) => node.id));
        expect(sections).toEqual(expect.arrayContaining([...Object.keys(NUMERIC), ...PRESENT]));
        expect(await page.$$eval('script', (nodes) => nodes.length)).toBe(0);
      } finally {
        await browser.close();
      }
    }
  }, 120_000);

  it('--parts measures only those parts, and adds the prober\'s store by hour of day when it has probes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-notebook-parts-'));
    const proberDb = path.join(dir, 'prober.db');
    const store = new ProberStore(proberDb);
    store.append([{ kind: 'probe', record: { at: new Date().toISOString(), family: 'IPv4', targets: ['127.0.0.1'], acknowledged: true, address: '127.0.0.1', offset: 3, rounds: 1, packets: 2, rttMs: 0.2, error: null } }]);
    store.close();
    const out = path.join(dir, 'nb');
    const run = await runCli(['notebook', '--out', out, '--parts', '3', '--no-campus', '--prober.db', proberDb], {}, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const notebook = JSON.parse(readFileSync(path.join(out, 'notebook.json'), 'utf8')) as NotebookJson & { prober: { probes: number } | null };
    expect(notebook.experiments.map((experiment) => experiment.id)).toEqual(['reset']);
    expect(notebook.environment.network).toBe('loopback');
    expect(notebook.prober?.probes).toBe(1);
    expect(readFileSync(path.join(out, 'notebook.md'), 'utf8')).toContain("## Q17: the reset-prober's store, by hour of day");
    expect(readFileSync(path.join(out, 'notebook.html'), 'utf8')).toContain('<svg');
  });

  it('refuses a bad flag with exit 2', async () => {
    const run = await runCli(['notebook', '--parts', 'x']);
    expect(run.code).toBe(2);
  });
});
