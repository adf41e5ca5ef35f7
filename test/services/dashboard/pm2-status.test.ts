import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tlsSessions } from '../../../services/dashboard/data.js';
import { tail } from '../../../services/dashboard/pm2-status.js';

describe('log tails for the dashboard', () => {
  it('reads the last lines of a log from its end, leaving out a line cut at the start of what it read', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'socklab-tail-')), 'app-out.log');
    writeFileSync(file, Array.from({ length: 10 }, (_, index) => `line ${index}`).join('\n') + '\n');
    expect(tail(file, 3)).toEqual(['line 7', 'line 8', 'line 9']);
    writeFileSync(file, `${'x'.repeat(70 * 1024)}\nlast one\n`); // longer than what it reads
    expect(tail(file, 5)).toEqual(['last one']);
    expect(tail(path.join(path.dirname(file), 'none.log'), 5)).toEqual([]);
  });

  it('finds the TLS PMU\'s session lines among pm2-dated log lines, and skips what is not one', () => {
    const session = { message: 'session', peer: '127.0.0.1:1', tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', command: 'CMD_short:0', outcome: 'answered', messages: 5, timestamp: 't' };
    const sessions = tlsSessions([`2026-11-28T10:00:00.000+00:00: ${JSON.stringify(session)}`, '2026-11-28: {"message":"listening"}', 'plain text {not json', 'no braces']);
    expect(sessions).toEqual({
      last: [{ at: 't', peer: '127.0.0.1:1', tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', command: 'CMD_short:0', outcome: 'answered', messages: 5 }],
      byVersion: { 'TLSv1.2': 1 },
      byCipher: { 'ECDHE-RSA-AES256-GCM-SHA384': 1 },
    });
  });
});
