import { describe, expect, it } from 'vitest';
import { permuteShape, transposeChannelsFirst } from './transpose.js';

describe('transposeChannelsFirst', () => {
  // values encode their own (c, i, j, k) index: 1000c + 100i + 10j + k, shape (2, 2, 3, 4)
  const shape: [number, number, number] = [2, 3, 4];
  const data = new Float32Array(2 * 24);
  for (let c = 0, o = 0; c < 2; c++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) data[o++] = 1000 * c + 100 * i + 10 * j + k;

  it('moves input axis axes[n] to output axis n, per channel, in C order', () => {
    const out = transposeChannelsFirst(data, 2, shape, [2, 0, 1]);
    expect(permuteShape(shape, [2, 0, 1])).toEqual([4, 2, 3]);
    // out[c, k, i, j] = in[c, i, j, k]
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(10); // (c0, k0, i0, j1)
    expect(out[3]).toBe(100); // (c0, k0, i1, j0)
    expect(out[6]).toBe(1); // (c0, k1, i0, j0)
    expect(out[24 + 23]).toBe(1000 + 123);
    expect(out).toBeInstanceOf(Float32Array);
  });

  it('round-trips through the backward permutation and keeps the array type', () => {
    const seg = Int16Array.from(data.subarray(0, 24), (v) => v - 50);
    const fwd = transposeChannelsFirst(seg, 1, shape, [1, 2, 0]);
    const back = transposeChannelsFirst(fwd, 1, permuteShape(shape, [1, 2, 0]), [2, 0, 1]);
    expect(fwd).toBeInstanceOf(Int16Array);
    expect(Array.from(back)).toEqual(Array.from(seg));
  });

  it('returns the input untouched for the identity', () => {
    expect(transposeChannelsFirst(data, 2, shape, [0, 1, 2])).toBe(data);
  });
});
