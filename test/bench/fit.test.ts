import { describe, expect, it } from 'vitest';
import { duration, fitGrowth } from '../../bench/lib/fit.ts';

const rows = (f: (k: number) => number, n: number) => Array.from({ length: n }, (_, i) => ({ k: i + 1, states: f(i + 1) }));
const binomial = (n: number, r: number): number => (r === 0 ? 1 : (binomial(n - 1, r - 1) * n) / r);

describe('fitGrowth (bench/growth.ts)', () => {
  it('reads C(k + 3, 3) as degree 3 exactly and forecasts the binomial', () => {
    // 4, 10, 20, 35: ratios 2.5, 2, 1.75; (r - 1)(k + 1) = 3, 3, 3.
    const fit = fitGrowth(rows((k) => binomial(k + 3, 3), 4), 6);
    expect(fit.kind).toBe('polynomial');
    expect(fit.degrees.map((d) => Number(d.toFixed(9)))).toEqual([3, 3, 3]);
    expect(fit.forecast).toEqual([
      { k: 5, states: 56 },
      { k: 6, states: 84 },
    ]);
  });

  it('reads k^2 as polynomial: its estimates fall towards 2 (6, 3.75, 3.11)', () => {
    const fit = fitGrowth(rows((k) => k * k, 4), 4);
    expect(fit.kind).toBe('polynomial');
    expect(fit.degrees[0]).toBe(6);
    expect(fit.degrees[1]).toBe(3.75);
    expect(fit.forecast).toEqual([]);
  });

  it('reads 2^k as rising (estimates 2, 3, 4) and forecasts with the last ratio', () => {
    const fit = fitGrowth(rows((k) => 2 ** k, 4), 5);
    expect(fit.kind).toBe('rising');
    expect(fit.degrees).toEqual([2, 3, 4]);
    expect(fit.last).toBe(2);
    expect(fit.forecast).toEqual([{ k: 5, states: 32 }]);
    expect(fit.text).toMatch(/^not polynomial so far/);
  });

  it('reads the growth bench series of 2 December (symmetry on) as polynomial, and the one without symmetry as rising', () => {
    const on = fitGrowth([
      { k: 1, states: 2_166 },
      { k: 2, states: 18_611 },
      { k: 3, states: 97_012 },
    ], 4);
    expect(on.kind).toBe('polynomial');
    // The k = 4 run gave 390,801 states: the forecast is within 5%.
    expect(Math.abs(on.forecast[0]!.states / 390_801 - 1)).toBeLessThan(0.05);
    const off = fitGrowth([
      { k: 1, states: 2_166 },
      { k: 2, states: 35_253 },
      { k: 3, states: 484_693 },
    ], 4);
    expect(off.kind).toBe('rising');
  });

  it('refuses fewer than three rows or a gap in k', () => {
    expect(() => fitGrowth(rows((k) => k, 2), 4)).toThrow(/at least three rows/);
    expect(() => fitGrowth([{ k: 1, states: 1 }, { k: 2, states: 4 }, { k: 4, states: 16 }], 4)).toThrow(/consecutive k/);
  });
});

describe('duration', () => {
  it('says seconds, minutes, hours or days', () => {
    expect([duration(125), duration(2591), duration(26_000), duration(10_038_010)]).toEqual(['125 s', '43 min', '7.2 h', '116 days']);
  });
});
