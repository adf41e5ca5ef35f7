import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzip } from '../../../lib/check/zip.js';

/** A zip of `entries`, written by Python's zipfile (an independent writer), deflated. */
function pythonZip(entries: Record<string, string>): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-zip-test-'));
  const file = path.join(dir, 'made.zip');
  const script = `import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in json.loads(sys.argv[2]).items():
        z.writestr(name, text)`;
  const made = spawnSync('/usr/bin/python3', ['-c', script, file, JSON.stringify(entries)], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(made.stderr);
  return readFileSync(file);
}

const target = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-unzip-test-')), 'out');

describe('unzip', () => {
  it('unpacks what Python\'s zipfile wrote, byte for byte, leaving out Mac clutter', async () => {
    const program = 'print("This is PMU data 1")\n'.repeat(200);
    const out = target();
    const result = await unzip(pythonZip({ 'Lab3_1_2/Part2.py': program, 'Lab3_1_2/report.pdf': '%PDF', '__MACOSX/Lab3_1_2/._Part2.py': 'x', 'Lab3_1_2/.DS_Store': 'x' }), 'made.zip', out);
    expect(result.files.sort()).toEqual(['Lab3_1_2/Part2.py', 'Lab3_1_2/report.pdf']);
    expect(readFileSync(path.join(out, 'Lab3_1_2', 'Part2.py'), 'utf8')).toBe(program);
  });

  it('skips names that would leave the folder (zip slip), and never writes outside it', async () => {
    const out = target();
    const result = await unzip(pythonZip({ '../escaped.txt': 'x', '/etc/absolute.txt': 'x', 'ok.txt': 'fine' }), 'evil.zip', out);
    expect(result.skipped).toEqual(['../escaped.txt', '/etc/absolute.txt']);
    expect(result.files).toEqual(['ok.txt']);
    expect(() => readFileSync(path.join(out, '..', 'escaped.txt'))).toThrow();
  });

  it('refuses a truncated archive, a damaged entry and an archive that unpacks too large, naming the file', async () => {
    const zip = pythonZip({ 'a.txt': 'hello world '.repeat(1000) });
    await expect(unzip(zip.subarray(0, zip.length - 30), 'cut.zip', target())).rejects.toThrow(/cut\.zip is not a zip archive socklab can read: no end of central directory/);
    const damaged = Buffer.from(zip);
    damaged[40] ^= 0xff; // inside the deflated data
    await expect(unzip(damaged, 'bad.zip', target())).rejects.toThrow(/bad\.zip is not a zip archive socklab can read: a\.txt (does not inflate|fails its CRC check)/);
    await expect(unzip(zip, 'big.zip', target(), { maxEntries: 10, maxTotalBytes: 1000 })).rejects.toThrow(/unpacks to more than 1000 bytes/);
    await expect(unzip(Buffer.from('not a zip at all, really'), 'text.zip', target())).rejects.toThrow(/no end of central directory/);
  });

  it('reads a stored (uncompressed) entry', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-zip-test-'));
    const file = path.join(dir, 'stored.zip');
    const made = spawnSync('/usr/bin/python3', ['-c', `import zipfile\nwith zipfile.ZipFile('${file}', 'w', zipfile.ZIP_STORED) as z: z.writestr('s.txt', 'stored text')`]);
    expect(made.status).toBe(0);
    const out = target();
    await unzip(readFileSync(file), 'stored.zip', out);
    expect(readFileSync(path.join(out, 's.txt'), 'utf8')).toBe('stored text');
  });

  it('refuses odd archives with one line that says "not a submission": a file and a folder of one name, a 300-character name, a NUL in a name', async () => {
    await expect(unzip(pythonZip({ 'Lab3/x': 'file', 'Lab3/x/y': 'in a folder of the same name' }), 'same.zip', target())).rejects.toThrow(/^not a submission: same\.zip is not a zip archive socklab can read: it holds "Lab3\/x\/y" both as a file and as a folder/);
    await expect(unzip(pythonZip({ [`Lab3/${'a'.repeat(300)}.py`]: 'x' }), 'long.zip', target())).rejects.toThrow(/^not a submission: long\.zip .*is a name longer than the file system allows$/);
    const withNul = Buffer.from(pythonZip({ 'Lab3/bad?name.py': 'x' }).toString('latin1').replaceAll('bad?name', 'bad\u0000name'), 'latin1');
    await expect(unzip(withNul, 'nul.zip', target())).rejects.toThrow(/^not a submission: nul\.zip .*holds a NUL character$/);
  });

  it('stops inflating an entry at the size it declares (a zip bomb that lies), without holding it in memory', async () => {
    const zip = pythonZip({ 'bomb.txt': '0'.repeat(100_000) });
    const central = zip.indexOf(Buffer.from('PK\u0001\u0002', 'latin1'));
    zip.writeUInt32LE(1000, central + 24); // the central directory now says 1000 bytes
    const out = target();
    await expect(unzip(zip, 'liar.zip', out)).rejects.toThrow(/^not a submission: liar\.zip .*bomb\.txt inflates to more than the 1000 bytes it declares$/);
  });
});
