import { describe, expect, it } from 'vitest';
import { makePhantom } from './phantom.js';

describe('makePhantom', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = makePhantom(7, [20, 24, 20]);
    const b = makePhantom(7, [20, 24, 20]);
    const c = makePhantom(8, [20, 24, 20]);
    expect(a.shape).toEqual(b.shape);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(b.image.buffer))).toBe(true);
    expect(Buffer.from(a.image.buffer).equals(Buffer.from(c.image.buffer))).toBe(false);
  });

  it('has both structures, a zero border for crop-to-nonzero, and labels only inside the tissue', () => {
    const p = makePhantom(3, [28, 36, 28]);
    const count = [0, 0, 0];
    let zeros = 0;
    for (let i = 0; i < p.label.length; i++) {
      count[p.label[i]]++;
      if (p.image[i] === 0) {
        zeros++;
        expect(p.label[i]).toBe(0);
      }
    }
    expect(count[1]).toBeGreaterThan(100);
    expect(count[2]).toBeGreaterThan(100);
    expect(zeros).toBeGreaterThan(0);
    expect(p.image[0]).toBe(0);
  });
});
