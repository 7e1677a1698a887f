import { describe, expect, it } from 'vitest';
import type { Volume } from '../../src/imaging/volume.js';
import { labelHandling } from '../../src/nn/predict/labels.js';
import { resolveConfiguration } from '../plan/resolve.js';
import { TINY_GEOMETRY, tinyDataset, tinyPlans } from '../../test/predict/tiny-model.js';
import type { Model } from './model.js';
import { prepareInput } from './predict-case.js';

const plans = { ...tinyPlans, configurations: { ...tinyPlans.configurations, '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' } } };
const model = (configuration: string): Model => ({
  dir: '', plans, datasetJson: tinyDataset, configuration, config: resolveConfiguration(plans, configuration), folds: [0],
  networks: [], handling: labelHandling(tinyDataset.labels), numClasses: 3,
});
const vol = (data: number[]): Volume => ({ data: Float32Array.from(data), channels: 1, shape: [1, 2, 3], spacing: [1, 1, 1], geometry: TINY_GEOMETRY });

describe('cascade input (spec §6.2, §7)', () => {
  it('appends the previous stage as one-hot foreground channels', () => {
    const image = vol([1, 2, 3, 4, 5, 6]);
    const input = prepareInput(image, vol([0, 1, 2, 2, 0, 1]), model('3d_cascade_fullres'));
    expect(input.channels).toBe(3);
    expect(Array.from(input.data.subarray(6, 12))).toEqual([0, 1, 0, 0, 0, 1]);
    expect(Array.from(input.data.subarray(12, 18))).toEqual([0, 0, 1, 1, 0, 0]);
    // a plain configuration ignores it
    expect(prepareInput(image, null, model('3d_fullres')).channels).toBe(1);
  });
  it('asks for the previous stage when a cascade stage has none', () => {
    expect(() => prepareInput(vol([1, 2, 3, 4, 5, 6]), null, model('3d_cascade_fullres')))
      .toThrow(expect.objectContaining({ code: 'PREDICT_MISSING_PREVIOUS_STAGE' }));
  });
});
