import { describe, expect, it } from 'vitest';
import type { Shape3 } from './volume.js';
import { golden, manifest } from './testing/golden.js';
import { normalize } from './normalize.js';

const m = manifest.normalize;
const shape = m.shape as Shape3;
const image = () => Float32Array.from(golden('normalize', 'image').data);
const seg = golden('normalize', 'seg').data;

const run = (scheme: string, useMask = false, input = image()) => {
  normalize(input, 1, shape, seg, [scheme], [useMask], { 0: m.ct_props });
  return input;
};

describe('normalize matches nnU-Net normalization schemes (float32 golden)', () => {
  it.each([
    ['CTNormalization', false, 'ct'],
    ['ZScoreNormalization', false, 'zscore'],
    ['ZScoreNormalization', true, 'zscore_mask'],
    ['RescaleTo01Normalization', false, 'rescale'],
  ])('%s (mask %s)', (scheme, useMask, fixture) => {
    expect(Array.from(run(scheme, useMask))).toEqual(Array.from(golden('normalize', fixture).data));
  });
  it('RGBTo01Normalization and NoNormalization', () => {
    const rgb = Float32Array.from(golden('normalize', 'rgb').data);
    expect(Array.from(run('RGBTo01Normalization', false, rgb))).toEqual(Array.from(golden('normalize', 'rgb01').data));
    expect(Array.from(run('NoNormalization'))).toEqual(Array.from(image()));
  });
  it('masked z-score leaves voxels outside seg >= 0 untouched', () => {
    const before = image();
    const after = run('ZScoreNormalization', true);
    for (let i = 0; i < seg.length; i++) if (seg[i] < 0) expect(after[i]).toBe(before[i]);
  });
  it('normalizes each channel with its own scheme', () => {
    const two = new Float32Array(2 * image().length);
    two.set(image());
    two.set(image(), image().length);
    normalize(two, 2, shape, seg, ['NoNormalization', 'CTNormalization'], [false, false], { 1: m.ct_props });
    expect(Array.from(two.subarray(0, image().length))).toEqual(Array.from(image()));
    expect(Array.from(two.subarray(image().length))).toEqual(Array.from(golden('normalize', 'ct').data));
  });
  it('errors: unknown scheme, CT without properties, RGB out of range, length mismatch', () => {
    const code = { code: 'IMAGE_BAD_ARGUMENT' };
    expect(() => normalize(image(), 1, shape, seg, ['Foo'], [false])).toThrow(expect.objectContaining(code));
    expect(() => normalize(image(), 1, shape, seg, ['CTNormalization'], [false], {})).toThrow(expect.objectContaining(code));
    expect(() => normalize(image(), 1, shape, seg, ['RGBTo01Normalization'], [false])).toThrow(expect.objectContaining(code));
    expect(() => normalize(image(), 2, shape, seg, ['NoNormalization'], [false])).toThrow(expect.objectContaining(code));
  });
});
