import { describe, expect, it } from 'vitest';
import { padShape, poolAndConv } from './topology.js';
import { estimateVram } from './vram.js';
import { fullresTargetSpacing } from './target-spacing.js';
import { transposeFor } from './transpose.js';
import { computeNewShape, medianPerAxis } from './new-shape.js';
import { chooseNormalization } from './normalization.js';
import { readerWriterFor } from '../../../src/imaging/io/reader-writer.js';
import { initialPatchSize } from './configuration.js';
import { PLANNERS } from '../planner.js';

const k = { minFeatureMapEdge: 4, maxNumPool: 999999 };

describe('topology (spec §3.5)', () => {
  it('pads up to the divisor, keeping exact multiples and truncating fractional medians', () => {
    expect(padShape([35.5, 40, 41], [8, 8, 8])).toEqual([40, 40, 48]);
  });
  it('stops pooling a lone axis below 12 and grows kernels as spacing equalises', () => {
    const t = poolAndConv([3.6, 0.6125, 0.6125], [20, 320, 256], k);
    expect(t.numPoolPerAxis).toEqual([2, 6, 6]);
    expect(t.mustBeDivisibleBy).toEqual([4, 64, 64]);
    expect(t.kernelSizes[0]).toEqual([1, 3, 3]);
    expect(t.kernelSizes.at(-1)).toEqual([3, 3, 3]);
    expect(t.strides.length).toBe(t.kernelSizes.length);
  });
});

describe('VRAM proxy (spec §3.6)', () => {
  it('PlainConvUNet Hippocampus estimate = 19,174,400', () => {
    const t = poolAndConv([1, 1, 1], [36, 50, 35], k);
    expect(t.patchSize).toEqual([40, 56, 40]);
    expect(estimateVram({ kind: 'plain', features: [32, 64, 128, 256], strides: t.strides, encoderDepth: [2, 2, 2, 2],
      decoderConvs: [2, 2, 2], numClasses: 3 }, t.patchSize)).toBe(19174400);
  });
  it('ResidualEncoderUNet matches dynamic_network_architectures’ own printed sizes (deep supervision on)', () => {
    const strides3 = [[1, 1, 1], ...new Array(5).fill([2, 2, 2])];
    expect(estimateVram({ kind: 'resenc', features: [32, 64, 128, 256, 320, 320], strides: strides3,
      encoderDepth: [1, 3, 4, 6, 6, 6], decoderConvs: [1, 1, 1, 1, 1], numClasses: 3, deepSupervision: true },
    [128, 128, 128])).toBe(558319104);
    const strides2 = [[1, 1], ...new Array(6).fill([2, 2])];
    expect(estimateVram({ kind: 'resenc', features: [32, 64, 128, 256, 512, 512, 512], strides: strides2,
      encoderDepth: [1, 3, 4, 6, 6, 6, 6], decoderConvs: [1, 1, 1, 1, 1, 1], numClasses: 3, deepSupervision: true },
    [512, 512])).toBe(129793792);
  });
});

describe('target spacing, transpose, shapes (spec §3.2-3.4)', () => {
  it('anisotropy needs both the spacing and the voxel condition', () => {
    const k3 = { anisoThreshold: 3, anisoSpacingPercentile: 10 };
    // coarse spacing but many slices: the median stays
    expect(fullresTargetSpacing([[5, 1, 1], [5, 1, 1]], [[200, 200, 200], [200, 200, 200]], k3)).toEqual([5, 1, 1]);
    // few voxels along the coarse axis: p10 of that axis' spacings (np.percentile linear)
    const p10 = fullresTargetSpacing([[0.5, 1, 1], [5, 1, 1], [5, 1, 1]], new Array(3).fill([20, 200, 200]), k3);
    expect(p10[0]).toBeCloseTo(1.4, 12);
    // p10 below the others: bumped to max(other) + 1e-5
    expect(fullresTargetSpacing([[0.5, 1, 1], [0.5, 1, 1], [5, 1, 1], [5, 1, 1], [5, 1, 1]],
      new Array(5).fill([20, 200, 200]), k3)).toEqual([1 + 1e-5, 1, 1]);
  });
  it('transpose: spec example (0.8,0.8,2.5) -> forward [2,0,1], backward [1,2,0]', () => {
    expect(transposeFor([0.8, 0.8, 2.5])).toEqual({ forward: [2, 0, 1], backward: [1, 2, 0] });
  });
  it('new shape rounds half to even; median keeps fractions', () => {
    expect(computeNewShape([5, 7, 9], [1, 1, 1], [2, 2, 2])).toEqual([2, 4, 4]);
    expect(medianPerAxis([[35, 1], [36, 2]])).toEqual([35.5, 1.5]);
  });
  it('initial patch follows the spacing aspect ratio, clipped to the median', () => {
    expect(initialPatchSize([1, 1, 1], [36, 50, 35], PLANNERS.default)).toEqual([36, 50, 35]);
    expect(initialPatchSize([2, 1, 1], [1000, 1000, 1000], PLANNERS.default)).toEqual([161, 323, 323]);
  });
});

describe('normalization and reader (spec §3.9, §1.3)', () => {
  it('maps names case-insensitively, default z-score', () => {
    expect(chooseNormalization(['ct', 'RGB_to_0_1', 'rescale_to_0_1', 'zscore', 'Flair'], 0.9).schemes).toEqual([
      'CTNormalization', 'RGBTo01Normalization', 'RescaleTo01Normalization', 'ZScoreNormalization', 'ZScoreNormalization']);
    expect(chooseNormalization(['CT', 'T1'], 0.74).useMaskForNorm).toEqual([false, true]);
    expect(chooseNormalization(['T1'], 0.9, true).useMaskForNorm).toEqual([true]);
  });
  it('picks the reader by ending, honouring the override', () => {
    expect(readerWriterFor('.nii.gz')).toBe('SimpleITKIO');
    expect(readerWriterFor('.nii')).toBe('NibabelIO');
    expect(readerWriterFor('.tiff')).toBe('Tiff3DIO');
    expect(readerWriterFor('.nii.gz', 'NibabelIOWithReorient')).toBe('NibabelIOWithReorient');
    expect(readerWriterFor('.xyz')).toBeUndefined();
  });
});
