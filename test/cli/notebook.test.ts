/// <reference lib="dom" />
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
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
const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-results');

/** Every question the notebook must measure, and for each a measurement that must be a number. */
const NUMERIC: Record<string, string[]> = {
  Q2: ['bytes sent'],
  Q6: ['reads by the server (16-byte recv)', 'reads by the client (16-byte recv)'],
  Q10: ['messages, d = 0', 'messages, d = 1'],
  Q11: ['packets with payload from the PMU, d = 0', 'packets with payload from the PMU, d = 1'],
  Q14: ['bytes', 'packets with payload from the PMU'],
  Q16: ['recv(1024) calls', 'packets with payload from the PMU, with recv(1024)'],
  Q17: ['rounds'],
  Q18: ['mean rounds per run', 'loss probability p̂'],
  Q19: ['channel datagrams heard'],
  Q23: ['packets with payload from the server, CMD_short:0 (HTTP 101 and close frame included)'],
  Q24: ['message events (on_message)'],
  Q25: ['packets with payload from the server, the flood (HTTP 101 and close frame included)', 'message events (on_message) for the flood', 'part 2: recv(1024) calls for the flood'],
  Q26: ['handshake segments with payload to the server', 'handshake segments with payload from the server'],
  Q27: ['cipher suites offered by socklab\'s client (TLSv1.3 only)'],
};
const PRESENT = ['Q4', 'Q5', 'Q7', 'Q9', 'Q13', 'Q15', 'Q20', 'Q21', 'Q22', 'Q28', 'Q29'];

/**
 * Where each figure belongs, from the handout's wording (../shared/lab-handout.md): the experiments
 * a question's figures may come from, and what its figures must include.
 */
const HANDOUT: Record<string, { experiments: string[]; includes: RegExp[] }> = {
  // "How many packets with payload length more than 0 ... from the TCP server (PMU): d = 0, d = 1"
  Q11: { experiments: ['pdc-0', 'pdc-1'], includes: [/d = 0$/, /d = 1$/] },
  // "run your WebSocket client such that it sends the CMD_short:0 ... How many packets"
  Q23: { experiments: ['ws-0'], includes: [/packets with payload from the server, CMD_short:0/] },
  // "How many times was the on_message event invoked ... Compared to Section 2 when d = 0"
  Q24: { experiments: ['ws-0', 'pdc-0'], includes: [/on_message/, /part 2, d = 0/] },
  // "how many packets ... carrying part of the replied text? How many times is the on_message event
  // handler triggered ... Comparing this to the number of recv() invocations in 2"
  Q25: { experiments: ['ws-flood', 'flood'], includes: [/packets with payload from the server, the flood/, /on_message/, /recv\(1024\) calls/] },
  // "How many packets ... CMD_floodme" / "How many times was the recv() invoked"
  Q14: { experiments: ['flood'], includes: [/packets with payload from the PMU$/] },
  Q16: { experiments: ['flood'], includes: [/recv\(1024\) calls/] },
};

interface NotebookJson {
  pictures: Array<{ question: string; marks: Record<string, number> }>;
  environment: { network: string; link: { name: string; mtu: number }; startedAt: string; endedAt: string; profile: string; node: string; kernel: string; timeZone: string };
  experiments: Array<{ id: string; ok: boolean; inputs: Record<string, unknown>; measurements: Array<{ question: string; name: string; value: unknown; unit: string }>; flow?: { serverPort: number; clientPort: number } }>;
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
    for (const [question, { experiments, includes }] of Object.entries(HANDOUT)) {
      const under = notebook.experiments.flatMap((experiment) => experiment.measurements.filter((measurement) => measurement.question === question).map((measurement) => ({ id: experiment.id, name: measurement.name })));
      expect(under.filter((item) => !experiments.includes(item.id)), question).toEqual([]);
      for (const pattern of includes) expect(under.some((item) => pattern.test(item.name)), `${question} ${pattern}`).toBe(true);
    }
    const markdown = readFileSync(path.join(out, 'notebook.md'), 'utf8');
    expect(markdown.match(/\b1 (reads|events|messages|rounds|segments|packets|calls|suites|datagrams|records)\b/g)).toBeNull();
    expect(markdown).toContain('## Q11: Packets with data from the PMU, for d = 0 and for d = 1.');
    expect(measurements.find((measurement) => measurement.question === 'Q22' && measurement.name === 'the channel answered the 350-character message')!.value).toBe(true);
    expect(notebook.experiments.find((experiment) => experiment.id === 'pdc-1')!.inputs).toMatchObject({ command: 'CMD_short:1', d: 1 });
    // In the campus the segment counts are the course path's (MTU 1500); it says where it measured.
    expect(notebook.environment).toMatchObject(canCampus ? { network: 'campus', profile: 'epfl', link: { name: 'eth0', mtu: 1500 } } : { network: 'loopback' });
    if (canCampus) {
      const flood = measurements.find((measurement) => measurement.question === 'Q14' && measurement.name === 'packets with payload from the PMU')!.value as number;
      expect(flood).toBeGreaterThanOrEqual(Math.floor((1024 * 1024) / 1448));
    }
    expect(Date.parse(notebook.environment.endedAt)).toBeGreaterThan(Date.parse(notebook.environment.startedAt));
    const evidence = canCapture ? 'notebook.pcap: OK\ntls-keys.log: OK\n' : '';
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' }).stdout).toBe(`notebook.json: OK\nnotebook.md: OK\nnotebook.html: OK\nflood.txt: OK\n${evidence}`);
    if (canCapture) {
      // socklab's counts beside the capture's, on the same connections: the flood, CMD_short:0, both TLS handshakes.
      const value = (id: string, name: string) => notebook.experiments.find((experiment) => experiment.id === id)!.measurements.find((measurement) => measurement.name === name)!.value as number;
      for (const [id, name] of [['pdc-0', 'packets with payload from the PMU, d = 0'], ['flood', 'packets with payload from the PMU']] as const) {
        expect(Math.abs(value(id, name) - value(id, 'packets with payload from the PMU in the capture')), id).toBeLessThanOrEqual(2);
      }
      for (const id of ['tls-1.3', 'tls-1.2']) {
        for (const way of ['to', 'from']) {
          expect(Math.abs(value(id, `handshake segments with payload ${way} the server`) - value(id, `handshake packets with payload ${way} the server in the capture`)), `${id} ${way}`).toBeLessThanOrEqual(2);
        }
      }
    }
    expect(readFileSync(path.join(out, 'notebook.md'), 'utf8')).toContain('## Q26');
    /** What tshark counts in the notebook's capture, on an experiment's connection. */
    const count = (id: string, filter: string, field: string, extra: string[] = []) => {
      const flow = notebook.experiments.find((experiment) => experiment.id === id)!.flow!;
      const rows = spawnSync('tshark', ['-r', path.join(out, 'notebook.pcap'), ...extra, '-Y', `tcp.port==${flow.serverPort} && tcp.port==${flow.clientPort} && ${filter.replaceAll('SERVER', String(flow.serverPort))}`, '-T', 'fields', '-e', field], { encoding: 'utf8' }).stdout;
      return rows.split('\n').filter(Boolean).flatMap((line) => line.split(',')).length;
    };
    const expectedMarks: Record<string, Record<string, number>> = canCapture && hasTshark
      ? {
          Q11: { 'd = 0': count('pdc-0', 'tcp.srcport==SERVER && tcp.len>0', 'tcp.len'), 'd = 1': count('pdc-1', 'tcp.srcport==SERVER && tcp.len>0', 'tcp.len') },
          Q16: { packets: count('flood', 'tcp.srcport==SERVER && tcp.len>0', 'tcp.len'), 'recv() calls': measurements.find((measurement) => measurement.name === 'recv(1024) calls')!.value as number },
          Q25: Object.fromEntries(['ws-0', 'ws-flood'].flatMap((id) => {
            const port = notebook.experiments.find((experiment) => experiment.id === id)!.flow!.serverPort;
            return [[`${id} packets`, count(id, 'tcp.srcport==SERVER && tcp.len>0', 'tcp.len')], [`${id} frames`, count(id, 'tcp.srcport==SERVER && websocket', 'websocket.payload_length', ['-d', `tcp.port==${port},http`])]];
          })),
          Q26: { records: count('tls-1.2', 'tls.record', 'tls.record.content_type', ['-o', `tls.keylog_file:${path.join(out, 'tls-keys.log')}`, '-d', `tcp.port==${notebook.experiments.find((experiment) => experiment.id === 'tls-1.2')!.flow!.serverPort},tls`]) },
        }
      : {};
    if (canCapture && hasTshark) {
      // Q12's fact, from the capture's timings: how many of the d = 0 messages left after the one before was acknowledged.
      expect(measurements.find((measurement) => measurement.question === 'Q12')?.value).toMatch(/^\d+ of 4$/);
      // Four pictures, each with one mark per packet, frame, call or record that tshark finds.
      expect(Object.fromEntries(notebook.pictures.map((picture) => [picture.question, picture.marks]))).toEqual(expectedMarks);
      for (const marks of Object.values(expectedMarks)) for (const [series, value] of Object.entries(marks)) expect(value, series).toBeGreaterThan(0);
    }

    if (existsSync(CHROMIUM)) {
      const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(String(error)));
        page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
        await page.goto(`file://${path.join(out, 'notebook.html')}`);
        expect(await page.$eval('h1', (node) => node.textContent)).toBe('socklab lab notebook');
        const sections = await page.$$eval('section', (nodes) => nodes.map((node) => node.id));
        expect(sections).toEqual(expect.arrayContaining([...Object.keys(NUMERIC), ...PRESENT]));
        expect(await page.$$eval('script', (nodes) => nodes.length)).toBe(0);
        if (canCapture && hasTshark) {
          // The pictures as drawn: as many marks in each figure as tshark finds, and the page renders without an error.
          const drawn = await page.$$eval('figure.picture', (figures) => figures.map((figure) => [(figure as HTMLElement).dataset.question, figure.querySelectorAll('.mark').length] as const));
          expect(Object.fromEntries(drawn)).toEqual(Object.fromEntries(Object.entries(expectedMarks).map(([question, marks]) => [question, Object.values(marks).reduce((total, value) => total + value, 0)])));
          mkdirSync(ARTIFACTS, { recursive: true });
          await page.setViewport({ width: 1200, height: 900 });
          await page.screenshot({ path: path.join(ARTIFACTS, 'notebook.png'), fullPage: true });
        }
        expect(errors).toEqual([]);
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
