import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';
import { roundToFloat16 } from './float16.js';

describe('roundToFloat16', () => {
  it('matches numpy float16 rounding', () => {
    // np.float16(x) for these x
    const cases: [number, number][] = [
      [499.9, 500], [500.1, 500], [500.13, 500.25], [999.7, 999.5], [1000, 1000], [0.1, 0.0999755859375],
      [700.0625, 700], [700.1875, 700], [700.3, 700.5], [3.0e-5, 2.998113632202148e-5], [0, 0],
    ];
    for (const [x, y] of cases) expect(roundToFloat16(x)).toBeCloseTo(y, 12);
  });

  it('rounds ties to even, keeps the sign and subnormals, and overflows to inf from 65520 as torch casts', () => {
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1);
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToFloat16(-(1 + 2 ** -10))).toBe(-(1 + 2 ** -10));
    expect(roundToFloat16(-0.1)).toBe(-0.0999755859375);
    expect(roundToFloat16(65504)).toBe(65504);
    expect(roundToFloat16(65519)).toBe(65504);
    expect(roundToFloat16(65520)).toBe(Infinity);
    expect(roundToFloat16(-1e6)).toBe(-Infinity);
    expect(roundToFloat16(2 ** -24)).toBe(2 ** -24);
    expect(roundToFloat16(2 ** -25)).toBe(0);
    expect(roundToFloat16(Infinity)).toBe(Infinity);
    expect(roundToFloat16(NaN)).toBeNaN();
  });
});

describe('createRng', () => {
  it('is reproducible per (seed, stream) and covers its ranges', () => {
    const a = createRng(1, 2);
    const b = createRng(1, 2);
    const c = createRng(1, 3);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(xs);
    const ints = new Set(Array.from({ length: 2000 }, () => a.int(-2, 3)));
    expect([...ints].sort((p, q) => p - q)).toEqual([-2, -1, 0, 1, 2, 3]);
    const normals = Array.from({ length: 20000 }, () => a.normal());
    const mean = normals.reduce((s, v) => s + v, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((s, v) => s + (v - mean) ** 2, 0) / normals.length);
    expect(mean).toBeCloseTo(0, 1);
    expect(sd).toBeCloseTo(1, 1);
  });
});
