import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { digestJson } from './digest.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' }, u: undefined }))
      .toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('gives equal digests for equal values in any key order', () => {
    expect(digestJson({ x: 1, y: [true, null] })).toBe(digestJson({ y: [true, null], x: 1 }));
    expect(digestJson({ x: 1 })).not.toBe(digestJson({ x: 2 }));
  });
  it('rejects non-finite numbers, which JSON would silently turn into null', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/non-finite/);
  });
});
