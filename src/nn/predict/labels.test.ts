import { describe, expect, it } from 'vitest';
import { applyInferenceNonlin, addInto, labelHandling, logitsToSegmentation, probabilitiesToSegmentation } from './labels.js';

describe('labels at inference', () => {
  const plain = labelHandling({ background: 0, a: 1, b: 2 });
  it('argmax over channels, first maximum wins', () => {
    // 3 channels x 3 voxels, channel-first
    const logits = Float32Array.from([0, 5, 1, /**/ 2, 5, 1, /**/ 1, 0, 3]);
    expect(Array.from(logitsToSegmentation(logits, 3, plain))).toEqual([1, 0, 2]);
  });
  it('softmax sums to one per voxel', () => {
    const p = applyInferenceNonlin(Float32Array.from([0, 1000, 1, -1000]), 2, plain);
    expect(p[0] + p[2]).toBeCloseTo(1, 6);
    expect(p[1]).toBe(1);
  });
  it('regions: sigmoid > 0.5 painted in regions_class_order, later overwrite earlier', () => {
    const h = labelHandling({ background: 0, whole: [1, 2], core: 2 }, [1, 2]);
    expect(h.regionsClassOrder).toEqual([1, 2]);
    // region 0 (whole) on voxels 0,1; region 1 (core) on voxel 1 and 2
    const logits = Float32Array.from([3, 3, -3, /**/ -3, 2, 1]);
    expect(Array.from(logitsToSegmentation(logits, 2, h))).toEqual([1, 2, 2]);
    expect(Array.from(probabilitiesToSegmentation(Float32Array.from([0.5, 0.51]), 1, labelHandling({ background: 0, r: [1, 2] }, [1]))))
      .toEqual([0, 1]);
  });
  it('uint16 label maps from label 255 on', () => {
    const labels = Object.fromEntries([['background', 0], ...Array.from({ length: 255 }, (_, i) => [`l${i}`, i + 1])]);
    expect(logitsToSegmentation(new Float32Array(256), 256, labelHandling(labels))).toBeInstanceOf(Uint16Array);
    expect(logitsToSegmentation(new Float32Array(3), 3, plain)).toBeInstanceOf(Uint8Array);
  });
  it('accumulates in place', () => {
    const a = Float32Array.from([1, 2]);
    expect(addInto(a, [3, 4])).toBe(a);
    expect(Array.from(a)).toEqual([4, 6]);
  });
});
