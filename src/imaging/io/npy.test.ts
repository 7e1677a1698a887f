import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from './npy.js';

describe('npy', () => {
  it('round-trips every supported dtype with a 64-byte aligned header', () => {
    for (const arr of [new Float32Array([1.5, -2, 3, 4, 5, 6]), new Int16Array([-1, 0, 1, 2, 3, 4]), new Uint8Array(6).fill(7)]) {
      const buf = encodeNpy(arr, [2, 3]);
      expect((buf.readUInt16LE(8) + 10) % 64).toBe(0);
      const back = decodeNpy(buf);
      expect(back.shape).toEqual([2, 3]);
      expect(Array.from(back.data)).toEqual(Array.from(arr));
      expect(back.data.constructor).toBe(arr.constructor);
    }
  });
  it('rejects a truncated file naming it', () => {
    const buf = encodeNpy(new Float32Array(8), [8]).subarray(0, 80);
    expect(() => decodeNpy(buf, 'x.npy')).toThrow(/x\.npy: truncated/);
  });
  it('rejects a shape that does not match the data', () => {
    expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values/);
  });
});
