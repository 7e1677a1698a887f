import { backend_util } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fromConvInfo, symmetricConvShape, toGeometry, transposedConvShape } from './conv-geometry.js';

describe('conv geometry', () => {
  it('symmetric pads follow PyTorch: out = floor((in + 2p - k) / s) + 1, anisotropic', () => {
    const s = symmetricConvShape([9, 40, 56, 39, 32], [1, 3, 3, 32, 64], [1, 2, 2], [0, 1, 1]);
    expect(s.outSize).toEqual([40, 28, 20]);
    expect(toGeometry(s)).toEqual([9, 32, 40, 56, 39, 64, 1, 3, 3, 1, 2, 2, 0, 1, 1, 0, 1, 1, 40, 28, 20]);
  });

  it('2D prepends a unit depth axis', () => {
    const s = symmetricConvShape([366, 56, 40, 1], [3, 3, 1, 32], [1, 1], [1, 1]);
    expect(toGeometry(s)).toEqual([366, 1, 1, 56, 40, 32, 1, 3, 3, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 56, 40]);
  });

  it('collects every shape problem in one error', () => {
    expect(() => symmetricConvShape([1, 8, 8, 8, 3], [3, 3, 3, 4, 5], [1, 1], [1, 1, 1]))
      .toThrow(/strides\/pads need 3 entries.*filter expects 4 input channels, x has 3/);
  });

  it('transposed conv is the adjoint of a kernel == stride conv from the upsampled grid', () => {
    const s = transposedConvShape([2, 5, 7, 5, 256], [1, 2, 2, 128, 256], [1, 2, 2]);
    expect(s).toMatchObject({ inChannels: 128, outChannels: 256, inSize: [5, 14, 10], outSize: [5, 7, 5], kernel: [1, 2, 2] });
    expect(() => transposedConvShape([2, 5, 7, 5, 256], [2, 2, 2, 128, 256], [1, 2, 2])).toThrow(/kernel == stride/);
  });

  it("tfjs 'same' with stride 2 pads (0, 1) and converts as is; dilation is left to tfjs", () => {
    const ci = backend_util.computeConv3DInfo([1, 8, 8, 8, 2], [3, 3, 3, 2, 4], 2, 1, 'same');
    expect(fromConvInfo(ci)).toMatchObject({ padBefore: [0, 0, 0], padAfter: [1, 1, 1], outSize: [4, 4, 4] });
    const dilated = backend_util.computeConv2DInfo([1, 8, 8, 2], [3, 3, 2, 4], 1, 2, 'same');
    expect(fromConvInfo(dilated)).toBeUndefined();
  });
});
