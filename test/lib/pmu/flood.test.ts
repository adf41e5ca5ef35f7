import { describe, expect, it } from 'vitest';
import { floodText, seededRandom } from '../../../lib/pmu/flood.js';

describe('flood text', () => {
  it('has exactly the size asked, many lines, and ends with a newline', () => {
    for (const size of [1, 17, 4096, 1024 * 1024 + 3]) {
      const text = floodText(size, 3);
      expect(text.length).toBe(size);
      expect(text[size - 1]).toBe(0x0a);
    }
    const lines = floodText(1024 * 1024, 3).toString('latin1').split('\n');
    expect(lines.length).toBeGreaterThan(5000);
    expect(lines[0]).toMatch(/^Line 00000001: [A-Z][a-z ]+\.$/);
    expect(lines[1]).toMatch(/^Line 00000002: /);
  });

  it('is the same for the same seed and differs for another', () => {
    expect(floodText(65536, 3).equals(floodText(65536, 3))).toBe(true);
    expect(floodText(65536, 3).equals(floodText(65536, 4))).toBe(false);
  });

  it('makes 64 MiB, exactly', () => {
    expect(floodText(64 * 1024 * 1024, 1).length).toBe(64 * 1024 * 1024);
  });

  it('draws numbers in [0, 1) from a seed', () => {
    const random = seededRandom(42);
    const draws = Array.from({ length: 1000 }, random);
    expect(draws.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(990);
  });
});
