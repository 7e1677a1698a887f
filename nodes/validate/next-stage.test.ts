import { describe, expect, it } from 'vitest';
import { resampleDataOrSegToShape } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { labelHandling, logitsToSegmentation } from '../../src/nn/predict/labels.js';
import { tinyConfig, tinyPlans } from '../../test/predict/tiny-model.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { nextStageSegmentation, nextStageShape } from './next-stage.js';

const props = { spacing: [1, 1, 1], shape_after_cropping_and_before_resampling: [12, 12, 12] } as unknown as CaseProperties;
const lowres = { ...tinyConfig, spacing: [2, 2, 2] };
const next = { ...tinyConfig, spacing: [1, 1, 4] };
const grid: Shape3 = [6, 6, 6];

describe('next-stage segmentation (nnU-Net resample_and_save)', () => {
  it('resamples with this stage spacing as both current and target (no separate-z from the next stage)', () => {
    const target = nextStageShape(props, tinyPlans, next);
    expect(target).toEqual([12, 12, 3]);
    const logits = Float32Array.from({ length: 3 * 216 }, (_, i) => Math.sin(i * 0.91) + Math.cos(i * 0.13));
    const seg = nextStageSegmentation(logits, 3, grid, target, props, tinyPlans, lowres, labelHandling({ background: 0, a: 1, b: 2 }));
    const via = (targetSpacing: Shape3) => Array.from(logitsToSegmentation(Float32Array.from(
      resampleDataOrSegToShape(logits, 3, grid, target, [2, 2, 2], targetSpacing, false, 1, 0, null)), 3, labelHandling({ background: 0, a: 1, b: 2 })));
    expect(Array.from(seg)).toEqual(via([2, 2, 2]));
    // the next stage's own (anisotropic) spacing would have switched to separate-z resampling
    expect(Array.from(seg)).not.toEqual(via([1, 1, 4]));
  });
});
