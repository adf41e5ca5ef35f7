import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { closeLogger, createLogger } from '../../lib/logger.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function capture(format: 'json' | 'text', level: 'info' | 'debug' = 'info') {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = createLogger({ service: 'prober', level, format, dir: '', rotateBytes: 1e6, keepFiles: 1, stream });
  return { logger, text: () => text };
}

describe('logger', () => {
  it('writes JSON lines with an ISO-8601 millisecond timestamp, the service and the component', async () => {
    const { logger, text } = capture('json');
    logger.child({ component: 'ipv6' }).info('probe', { family: 'IPv6', rounds: 2 });
    await closeLogger(logger);
    const line = JSON.parse(text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', message: 'probe', service: 'prober', component: 'ipv6', family: 'IPv6', rounds: 2 });
    expect(line.timestamp).toMatch(ISO_MS);
  });

  it('writes human lines: timestamp, level, origin, message, fields', async () => {
    const { logger, text } = capture('text');
    logger.child({ component: 'pmu-tcp' }).warn('refused', { peer: '127.0.0.1:4000', reason: 'server busy' });
    await closeLogger(logger);
    expect(text()).toMatch(/^\S+Z warn {2}\[prober\/pmu-tcp\] refused peer=127\.0\.0\.1:4000 reason="server busy"\n$/);
    expect(text().split(' ')[0]).toMatch(ISO_MS);
  });

  it('drops lines below the configured level', async () => {
    const { logger, text } = capture('json', 'info');
    logger.debug('hidden');
    logger.info('shown');
    await closeLogger(logger);
    expect(text()).not.toContain('hidden');
    expect(text()).toContain('shown');
  });

  it('flushes every line to the log file before close resolves', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'socklab-log-'));
    const stream = new PassThrough().resume();
    const logger = createLogger({ service: 'lab', level: 'info', format: 'json', dir, rotateBytes: 50e6, keepFiles: 2, stream });
    for (let index = 0; index < 5000; index += 1) logger.info('line', { index });
    await closeLogger(logger);
    const lines = readFileSync(path.join(dir, 'lab.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999]!)).toMatchObject({ index: 4999, service: 'lab' });
  });
});
