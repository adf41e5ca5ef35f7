import { describe, expect, it } from 'vitest';
import { describeError, ERROR_CATALOGUE, isSocklabError, socklabError } from '../../lib/errors.js';

describe('error catalogue', () => {
  it('gives every code an exit code of 1 (network) or 2 (usage, configuration) and a summary', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(code).toMatch(/^SOCKLAB_ERR_[A-Z_]+$/);
      expect([1, 2]).toContain(entry.exitCode);
      expect(entry.summary.length).toBeGreaterThan(0);
    }
    expect(ERROR_CATALOGUE.SOCKLAB_ERR_CONFIG.exitCode).toBe(2);
    expect(ERROR_CATALOGUE.SOCKLAB_ERR_TIMEOUT.exitCode).toBe(1);
  });

  it('builds errors that carry their code and exit code', () => {
    const error = socklabError('SOCKLAB_ERR_USAGE', 'bad flag');
    expect(isSocklabError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SOCKLAB_ERR_USAGE', exitCode: 2, message: 'bad flag' });
    expect(isSocklabError(new Error('x'))).toBe(false);
  });

  it('describes any thrown value on one line', () => {
    const refused = Object.assign(new Error('connect failed\nat 127.0.0.1'), { code: 'ECONNREFUSED' });
    expect(describeError(refused)).toBe('connect failed; at 127.0.0.1 (ECONNREFUSED)');
    expect(describeError('plain')).toBe('plain');
  });
});
