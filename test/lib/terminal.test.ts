import { describe, expect, it } from 'vitest';
import { terminalSafe } from '../../lib/terminal.js';

describe('terminalSafe', () => {
  it('shows C0 and C1 control characters escaped, keeps newline, tab and any printable text', () => {
    expect(terminalSafe('\x1b[2J\x1b[HPASS\r\x07\x00\x7f\u009b31m')).toBe('\\x1b[2J\\x1b[HPASS\\x0d\\x07\\x00\\x7f\\x9b31m');
    expect(terminalSafe('line one\n\tline two, café ☕ 数据')).toBe('line one\n\tline two, café ☕ 数据');
  });
});
