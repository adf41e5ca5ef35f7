import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import { familyAt, nextBoundary } from '../../lib/family-schedule.js';

const at = (hours: number, minutes = 0, seconds = 0) => new Date(2026, 10, 27, hours, minutes, seconds);

describe('RESET server schedule', () => {
  const { schedule } = loadConfig({ env: {} }).config.lab.pmuUdp;

  it('by default runs IPv4 in even hours and IPv6 in odd hours, local time', () => {
    expect(familyAt(at(0), schedule)).toBe('IPv4');
    expect(familyAt(at(0, 59, 59), schedule)).toBe('IPv4');
    expect(familyAt(at(1), schedule)).toBe('IPv6');
    expect(familyAt(at(14, 30), schedule)).toBe('IPv4');
    expect(familyAt(at(23, 59, 59), schedule)).toBe('IPv6');
  });

  it('finds the next boundary: the next whole hour by default', () => {
    expect(nextBoundary(at(14, 30, 15), schedule)).toEqual(at(15));
    expect(nextBoundary(at(15), schedule)).toEqual(at(16));
    expect(nextBoundary(at(23, 10), schedule)).toEqual(new Date(2026, 10, 28, 0, 0));
  });

  it('handles windows past midnight and gaps (server down)', () => {
    const windows = [
      { from: '22:00', to: '02:00', family: 'IPv6' as const },
      { from: '08:30', to: '12:00', family: 'IPv4' as const },
    ];
    expect(familyAt(at(23), windows)).toBe('IPv6');
    expect(familyAt(at(1, 59), windows)).toBe('IPv6');
    expect(familyAt(at(2), windows)).toBeNull();
    expect(familyAt(at(8, 30), windows)).toBe('IPv4');
    expect(nextBoundary(at(3), windows)).toEqual(at(8, 30));
    expect(nextBoundary(at(12, 0, 1), windows)).toEqual(at(22));
    expect(nextBoundary(at(23), windows)).toEqual(new Date(2026, 10, 28, 2, 0));
    expect(nextBoundary(at(5), [])).toBeNull();
  });
});
