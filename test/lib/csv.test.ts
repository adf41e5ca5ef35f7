import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../lib/csv.js';
import { projectRoot } from '../../lib/paths.js';
import { DashboardServer } from '../../services/dashboard/server.js';
import { RecorderStore } from '../../services/mcast-recorder/store.js';
import { closeAfter, FORMULAS, memoryLogger, pythonCsv, runCli, undefused } from '../helpers.js';

const PLAIN = ['plain text', 'a, b and "c"', 'two\nlines', 'café ☕', '', 'x=1', ' =not at the start'];

describe('csv', () => {
  it('defuses every formula start with a quote mark, and Python\'s csv reads back the text otherwise unchanged', () => {
    const rows = pythonCsv([...FORMULAS, ...PLAIN].map((text) => csvLine([text, 42])).join(''));
    expect(rows.map((row) => row[0])).toEqual([...FORMULAS.map((formula) => `'${formula}`), ...PLAIN]);
    expect(rows.map((row) => undefused(row[0]!))).toEqual([...FORMULAS, ...PLAIN]);
    expect(rows.every((row) => row[1] === '42')).toBe(true);
  });

  it('leaves the numbers and booleans socklab writes as they are, negative ones included', () => {
    expect(csvLine([-3, 1.5, true, null, 'IPv4'])).toBe('-3,1.5,true,,IPv4\n');
    expect(csvCell('-3')).toBe("'-3"); // text that came from outside is never taken for a number
  });

  it('quotes as RFC 4180 §2 says', () => {
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell('=1,2')).toBe(`"'=1,2"`);
  });
});

describe('every CSV socklab writes', () => {
  it('defuses formulas in the recorder export, the dashboard\'s download and grades.csv', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'socklab-csv-'));
    const db = path.join(folder, 'recorder.db');
    const store = new RecorderStore(db);
    store.append(FORMULAS.map((text) => ({ receivedAt: new Date().toISOString(), group: '224.1.1.1', sourceAddress: '127.0.0.1', sourcePort: 4000, senderId: '=cmd()', text, wellFormed: true, payload: Buffer.from(`=cmd()${text}`) })));
    store.close();
    const textsIn = (csv: string) => {
      const [header, ...rows] = pythonCsv(csv);
      const column = header!.indexOf('text');
      expect(rows.map((row) => row[header!.indexOf('senderId')])).toEqual(FORMULAS.map(() => "'=cmd()"));
      expect(rows.map((row) => row[column])).toEqual(FORMULAS.map((formula) => `'${formula}`));
      return rows.map((row) => undefused(row[column]!));
    };

    const exported = await runCli(['recorder', 'export', '--db', db, '--format', 'csv']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(textsIn(exported.stdout)).toEqual(FORMULAS);

    const dashboard = closeAfter(
      new DashboardServer(
        { host: '127.0.0.1', port: 0, token: '', allowedHosts: [], days: 1, proberDb: path.join(folder, 'prober.db'), recorderDb: db, tlsCert: path.join(folder, 'none.pem'), services: async () => ({}), followServices: async () => undefined, logOf: async () => [], feedEveryMs: 60_000, feedMaxRows: 1 },
        path.join(projectRoot, 'services', 'dashboard', 'public'),
        memoryLogger().logger,
      ),
    );
    const { port } = await dashboard.listen();
    expect(textsIn(await (await fetch(`http://127.0.0.1:${port}/api/recorder.csv`)).text())).toEqual(FORMULAS);

    // A batch whose one submission's folder is named as a formula: refused (no programs), still a row.
    const batch = path.join(folder, 'batch');
    const name = "=2+5+cmd|' \\C calc'!A1"; // the classic payload, with Windows' separator: a folder name cannot hold '/'
    mkdirSync(path.join(batch, name), { recursive: true });
    const out = path.join(folder, 'grades');
    const graded = await runCli(['check', '--batch', batch, '--out', out]);
    expect(graded.code, graded.stderr).toBe(0);
    const [header, row] = pythonCsv(readFileSync(path.join(out, 'grades.csv'), 'utf8'));
    expect(row![header!.indexOf('submission')]).toBe(`'${name}`);
    expect(row![header!.indexOf('verdict')]).toBe('refused');
  });
});
