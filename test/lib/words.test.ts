import { describe, expect, it } from 'vitest';
import { localIso, plural } from '../../lib/words.js';

describe('words', () => {
  it('agrees a count with its noun', () => {
    expect([plural(0, 'message'), plural(1, 'message'), plural(2, 'message'), plural(1, 'reply', 'replies'), plural(1500, 'byte')]).toEqual([
      '0 messages',
      '1 message',
      '2 messages',
      '1 reply',
      '1,500 bytes',
    ]);
  });

  it('writes a time in local time with its UTC offset, the same instant as the UTC one', () => {
    const at = new Date('2026-11-28T13:05:09.123Z');
    const local = localIso(at);
    expect(local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123[+-]\d\d:\d\d$/);
    expect(new Date(local).getTime()).toBe(at.getTime());
  });
});
