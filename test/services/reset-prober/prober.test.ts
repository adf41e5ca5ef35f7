import dgram from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { bindDatagram, closeSocket } from '../../../lib/listen.js';
import { ResetProber } from '../../../services/reset-prober/prober.js';
import { buildReport, reportCsv, reportHtml, reportText } from '../../../services/reset-prober/report.js';
import { openStore, openStoreReadOnly } from '../../../lib/sqlite.js';
import { PROBER_MIGRATIONS, ProberStore, readProberSummary, type SwitchRecord } from '../../../services/reset-prober/store.js';
import { closeAfter, memoryLogger, silentUdpPort, startUdpEmulator, waitFor } from '../../helpers.js';

const BOUNDARY = new Date(2026, 10, 27, 14, 0).getTime();

/** Every probe and switch in the store, as the tests check them. */
function readHistory(file: string) {
  const db = openStoreReadOnly(file);
  try {
    return {
      probes: db.prepare('SELECT at, family, acknowledged, rounds, error FROM probes ORDER BY at, family').all() as Array<{ at: string; family: string; acknowledged: number; rounds: number; error: string | null }>,
      switches: db.prepare('SELECT at, from_family AS "from", to_family AS "to", after, before FROM switches ORDER BY at').all() as SwitchRecord[],
    };
  } finally {
    db.close();
  }
}

describe('reset-prober', () => {
  it('probes each family on its own, stores and logs every probe, and notes the switch of family', async () => {
    // Time of day is the subject: vitest's fake clock, moving with real time, moved on by the test.
    vi.useFakeTimers({ now: BOUNDARY - 30_000, toFake: ['Date', 'setTimeout', 'clearTimeout'], shouldAdvanceTime: true });
    onTestFinished(() => void vi.useRealTimers());
    const { server, port } = await startUdpEmulator({
      dropProbability: 0.3,
      schedule: [
        { from: '00:00', to: '14:00', family: 'IPv4' },
        { from: '14:00', to: '24:00', family: 'IPv6' },
      ],
      family: 'schedule',
    });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-prober-')), 'prober.db');
    const options = { hosts: ['127.0.0.1', '::1'], port, n: 20, timeoutMs: 60, maxRounds: 12, intervalMs: 60_000, maxPendingRows: 100 };
    const { logger, lines } = memoryLogger('reset-prober');
    const prober = new ResetProber(options, new ProberStore(file), logger);

    await prober.cycle(); // 13:59:30, IPv4
    await vi.advanceTimersByTimeAsync(BOUNDARY + 30_000 - Date.now()); // 14:00:30: the server has moved to IPv6
    await waitFor('the server to move to IPv6', () => server.family === 'IPv6');
    await prober.cycle();
    await prober.close();

    const history = readHistory(file);
    expect(history.probes).toHaveLength(4);
    expect(history.probes.map((probe) => [probe.family, probe.acknowledged])).toEqual([
      ['IPv4', 1],
      ['IPv6', 0],
      ['IPv4', 0],
      ['IPv6', 1],
    ]);
    // The switch lies between the last probe that saw IPv4 and the first that saw IPv6, across 14:00.
    const [first, , , fourth] = history.probes;
    expect(history.switches).toEqual([{ at: history.probes[2]!.at, from: 'IPv4', to: 'IPv6', after: first!.at, before: history.probes[2]!.at }]);
    expect([Date.parse(first!.at) < BOUNDARY, Date.parse(fourth!.at) > BOUNDARY]).toEqual([true, true]);
    const probeLines = lines().filter((line) => line.message === 'probe');
    expect(probeLines).toHaveLength(4);
    for (const line of probeLines) {
      expect(line.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(['IPv4', 'IPv6']).toContain(line.family);
      expect(new Date(String(line.atLocal)).getTime()).toBe(new Date(String(line.at)).getTime()); // the same instant, in local time (Q17)
      expect(line.atLocal).toMatch(/[+-]\d\d:\d\d$/);
    }
    expect(probeLines.filter((line) => line.acknowledged).map((line) => line.family)).toEqual(['IPv4', 'IPv6']);
    expect(lines().find((line) => line.message === 'family switch')).toMatchObject({ from: 'IPv4', to: 'IPv6' });

    // A restart goes on with the same store and remembers where the server was.
    const again = new ResetProber(options, new ProberStore(file), memoryLogger().logger);
    await again.cycle();
    await again.close();
    const continued = readHistory(file);
    expect(continued.probes).toHaveLength(6);
    expect(continued.switches).toHaveLength(1);

    // The report over both families.
    const report = buildReport(readProberSummary(file));
    const hour = (at: number) => new Date(at).getHours();
    expect(report.hours[hour(BOUNDARY - 30_000)]).toMatchObject({ IPv4: { answered: 1, probed: 1 }, IPv6: { answered: 0, probed: 1 }, serverOn: 'IPv4' });
    expect(report.hours[hour(BOUNDARY + 30_000)]).toMatchObject({ IPv4: { answered: 0, probed: 2 }, IPv6: { answered: 2, probed: 2 }, serverOn: 'IPv6' });
    expect(report.loss.runs).toBe(3);
    const text = reportText(report);
    expect(text).toContain('IPv4 → IPv6 between');
    expect(text.split('\n').filter((line) => /^\d\d:00 /.test(line))).toHaveLength(24);
    expect(reportCsv(report).split('\n')[0]).toBe('hour,ipv4_answered,ipv4_probed,ipv6_answered,ipv6_probed,server_on');
    const html = reportHtml(report);
    expect(html).toContain('<svg');
    expect(html.match(/<rect /g)!.length).toBeGreaterThanOrEqual(48);
    expect(html.replace('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\/|<script|<link|src=/);
  });

  it('records a family it cannot probe, and keeps going through a failed name', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-prober-')), 'prober.db');
    const { logger, lines } = memoryLogger('reset-prober');
    const prober = new ResetProber(
      { hosts: ['127.0.0.1', 'no-such-host.invalid'], port: await silentUdpPort(), n: 20, timeoutMs: 20, maxRounds: 2, intervalMs: 60_000, maxPendingRows: 100 },
      new ProberStore(file),
      logger,
    );
    await prober.cycle();
    await prober.cycle();
    await prober.close();
    const { probes } = readHistory(file);
    expect(probes).toHaveLength(4);
    expect(probes.filter((probe) => probe.family === 'IPv6').every((probe) => probe.rounds === 0 && probe.error?.includes('cannot resolve'))).toBe(true);
    expect(probes.filter((probe) => probe.family === 'IPv4').every((probe) => probe.rounds === 2 && probe.acknowledged === 0)).toBe(true);
    expect(lines().filter((line) => line.message === 'resolution failed')).toHaveLength(4); // each family's probe resolves the names itself
  });

  it('runs each family on its own schedule: a silent IPv4 overruns and skips ticks, IPv6 keeps its pace', async () => {
    const { port } = await startUdpEmulator({ family: 'IPv6', dropProbability: 0 });
    const silent = dgram.createSocket('udp4'); // answers nothing, so every IPv4 probe takes maxRounds × timeout
    await bindDatagram(silent, { address: '127.0.0.1', port });
    onTestFinished(() => closeSocket(silent));
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-prober-')), 'prober.db');
    const { logger, lines } = memoryLogger('reset-prober');
    const prober = closeAfter(
      new ResetProber({ hosts: ['127.0.0.1', '::1'], port, n: 20, timeoutMs: 100, maxRounds: 5, intervalMs: 200, maxPendingRows: 100 }, new ProberStore(file), logger),
    );
    prober.start();
    const probes = (family: string) => lines().filter((line) => line.message === 'probe' && line.family === family);
    await waitFor('seven IPv6 probes', () => probes('IPv6').length >= 7);
    // 7 IPv6 probes take 1.2 s at 200 ms a tick; each IPv4 probe takes 500 ms and starts at the next tick.
    expect(probes('IPv4').length).toBeLessThanOrEqual(3);
    expect(probes('IPv6').every((line) => line.acknowledged === true)).toBe(true);
    const overruns = lines().filter((line) => line.message === 'probe overran its interval');
    expect(overruns.length).toBeGreaterThanOrEqual(1);
    expect(overruns.every((line) => line.family === 'IPv4' && (line.skipped as number) >= 2)).toBe(true);
  });

  it('counts an existing store into its hourly buckets once, on start, and the report reads the buckets', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-prober-')), 'prober.db');
    const old = openStore(file, PROBER_MIGRATIONS.slice(0, 1)); // a store from before the buckets
    const insert = old.prepare('INSERT INTO probes (at, family, targets, acknowledged, address, offset, rounds, packets, rtt_ms, error) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, NULL, NULL)');
    const ten = new Date(2026, 10, 27, 10, 30).toISOString();
    for (const [family, acknowledged, rounds] of [['IPv4', 1, 2], ['IPv4', 1, 3], ['IPv4', 0, 20], ['IPv6', 0, 0]] as const) insert.run(ten, family, '127.0.0.1', acknowledged, rounds, rounds);
    old.close();
    new ProberStore(file).close(); // the prober's start: migrates
    const summary = readProberSummary(file);
    expect(summary).toMatchObject({ probes: 4, notProbed: 1, answeredRounds: [{ rounds: 2, probes: 1 }, { rounds: 3, probes: 1 }] });
    expect(summary.hours).toEqual([
      { hour: 10, family: 'IPv4', probed: 3, answered: 2 },
      { hour: 10, family: 'IPv6', probed: 0, answered: 0 },
    ]);
    // New probes go into the buckets as they are stored.
    const store = new ProberStore(file);
    store.append([{ kind: 'probe', record: { at: ten, family: 'IPv6', targets: ['::1'], acknowledged: true, address: '::1', offset: 3, rounds: 1, packets: 1, rttMs: 0.2, error: null } }]);
    store.close();
    const report = buildReport(readProberSummary(file));
    expect(report.hours[10]).toMatchObject({ IPv4: { answered: 2, probed: 3 }, IPv6: { answered: 1, probed: 1 }, serverOn: 'both' });
    expect(report.loss).toMatchObject({ runs: 3, meanRounds: 2, lossProbability: 0.5 });
  });
});
