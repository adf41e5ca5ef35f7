import { describe, expect, it } from 'vitest';
import { CommandReader, isCommandText, parsePmuCommand, pmuMessage } from '../../../lib/pmu/command.js';

describe('PMU commands', () => {
  it('parses CMD_short:d with or without a trailing newline, and CMD_floodme', () => {
    expect(parsePmuCommand('CMD_short:0', 10)).toMatchObject({ ok: true, command: { kind: 'short', intervalSeconds: 0 } });
    expect(parsePmuCommand('CMD_short:1\n', 10)).toMatchObject({ ok: true, command: { kind: 'short', intervalSeconds: 1 } });
    expect(parsePmuCommand('CMD_short:0.25\r\n', 10)).toMatchObject({ ok: true, command: { kind: 'short', intervalSeconds: 0.25 } });
    expect(parsePmuCommand('CMD_short:.5', 10)).toMatchObject({ ok: true, command: { kind: 'short', intervalSeconds: 0.5 } });
    expect(parsePmuCommand('CMD_floodme', 10)).toMatchObject({ ok: true, command: { kind: 'flood' } });
  });

  it.each([
    ['CMD_short:-1', 'is not a non-negative number'],
    ['CMD_short:abc', 'is not a non-negative number'],
    ['CMD_short:1e99', 'is not a non-negative number'],
    ['CMD_short:', 'is not a non-negative number'],
    ['CMD_short:11', 'exceeds the maximum of 10 s'],
    ['CMD_floodme please', 'unknown command'],
    ['HELLO', 'unknown command'],
    ['', 'empty command'],
  ])('refuses %j with a reason', (text, reason) => {
    const parsed = parsePmuCommand(text, 10);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('writes messages as the handout does', () => {
    expect(pmuMessage(12)).toBe('This is PMU data 12');
  });

  it('tells text commands from binary', () => {
    expect(isCommandText(Buffer.from('CMD_short:0\r\n'))).toBe(true);
    expect(isCommandText(Buffer.from([0x43, 0x00, 0xff]))).toBe(false);
    expect(isCommandText(Buffer.from('CMD_short:0é'))).toBe(false);
  });

  it('collects a command over several chunks, up to the newline or a size limit', () => {
    const reader = new CommandReader(16);
    expect(reader.push(Buffer.from('CMD_sh'))).toEqual({ state: 'pending' });
    const done = reader.push(Buffer.from('ort:1\nrest'));
    expect(done.state === 'complete' && done.bytes.toString()).toBe('CMD_short:1');
    expect(reader.buffered).toBe(0);
    expect(reader.push(Buffer.from('CMD_floo'))).toEqual({ state: 'pending' });
    expect(reader.take().toString()).toBe('CMD_floo');
    expect(new CommandReader(16).push(Buffer.alloc(17, 0x41))).toEqual({ state: 'too-long' });
  });
});
