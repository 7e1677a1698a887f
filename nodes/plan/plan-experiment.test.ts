import { describe, expect, it } from 'vitest';
import type { DatasetFingerprint } from '../fingerprint/format.js';
import type { DatasetJson } from '../dataset/format.js';
import { planExperiment, plansJson } from './plan-experiment.js';
import type { ConfigurationPlan } from './format.js';

const props = { max: 0, mean: 0, median: 0, min: 0, percentile_00_5: 0, percentile_99_5: 0, std: 0 };

function fingerprint(cases: Array<{ spacing: number[]; shape: number[] }>, channels = 1, relSize = 1): DatasetFingerprint {
  return {
    foreground_intensity_properties_per_channel: Object.fromEntries(Array.from({ length: channels }, (_, c) => [String(c), props])),
    median_relative_size_after_cropping: relSize,
    shapes_after_crop: cases.map((c) => c.shape),
    spacings: cases.map((c) => c.spacing),
  };
}
const repeat = (n: number, spacing: number[], shape: number[]) => Array.from({ length: n }, () => ({ spacing, shape }));
function datasetJson(numTraining: number, labelKeys: number, channels: string[] = ['MRI']): DatasetJson {
  const labels: Record<string, number> = { background: 0 };
  for (let i = 1; i < labelKeys; i++) labels[`l${i}`] = i;
  return { channel_names: Object.fromEntries(channels.map((c, i) => [String(i), c])), labels, numTraining, file_ending: '.nii.gz' };
}
const cfg = (p: ReturnType<typeof planExperiment>, name: string) => p.configurations[name] as ConfigurationPlan;

describe('planExperiment (spec §3, golden values from the spec emulator)', () => {
  it('Hippocampus-like: exactly the spec §3.11 plans', () => {
    const p = planExperiment(fingerprint(repeat(260, [1, 1, 1], [36, 50, 35])), datasetJson(260, 3),
      { datasetName: 'Dataset004_Hippocampus' });
    expect(Object.keys(p)).toEqual(['dataset_name', 'plans_name', 'original_median_spacing_after_transp',
      'original_median_shape_after_transp', 'image_reader_writer', 'transpose_forward', 'transpose_backward',
      'configurations', 'experiment_planner_used', 'label_manager', 'foreground_intensity_properties_per_channel']);
    expect(Object.keys(p.configurations)).toEqual(['2d', '3d_fullres']);
    expect(p.image_reader_writer).toBe('SimpleITKIO');
    expect(p.original_median_shape_after_transp).toEqual([36, 50, 35]);
    const f = cfg(p, '3d_fullres');
    expect(f.patch_size).toEqual([40, 56, 40]);
    expect(f.batch_size).toBe(9);
    expect(f.batch_dice).toBe(false);
    expect(f.median_image_size_in_voxels).toEqual([36, 50, 35]);
    expect(f.architecture.arch_kwargs.strides).toEqual([[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]]);
    expect(f.architecture.arch_kwargs.features_per_stage).toEqual([32, 64, 128, 256]);
    expect(Object.keys(f)).toEqual(['data_identifier', 'preprocessor_name', 'batch_size', 'patch_size',
      'median_image_size_in_voxels', 'spacing', 'normalization_schemes', 'use_mask_for_norm', 'resampling_fn_data',
      'resampling_fn_seg', 'resampling_fn_data_kwargs', 'resampling_fn_seg_kwargs', 'resampling_fn_probabilities',
      'resampling_fn_probabilities_kwargs', 'architecture', 'batch_dice']);
    const d = cfg(p, '2d');
    expect(d.patch_size).toEqual([56, 40]);
    expect(d.batch_size).toBe(366);
    expect(d.architecture.arch_kwargs.conv_op).toBe('torch.nn.modules.conv.Conv2d');
    expect(d.architecture.arch_kwargs.kernel_sizes).toEqual([[3, 3], [3, 3], [3, 3], [3, 3]]);
    expect(d.normalization_schemes).toEqual(['ZScoreNormalization']);
    expect(d.use_mask_for_norm).toEqual([false]);
  });

  it('writes the file as Python json.dump: floats keep .0, eps as 1e-05, lists one item per line', () => {
    const p = planExperiment(fingerprint(repeat(260, [1, 1, 1], [36, 50, 35])), datasetJson(260, 3), { datasetName: 'D' });
    const text = plansJson(p);
    expect(text).toContain('"median_image_size_in_voxels": [\n                36.0,\n                50.0,\n                35.0\n            ]');
    expect(text).toContain('"eps": 1e-05');
    expect(text).toContain('"original_median_shape_after_transp": [\n        36,');
    expect(text).toContain('"force_separate_z": null');
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(p)));
  });

  it('Heart-like (1.37,1.25,1.25); (115,320,232); 20 cases; 2 label keys', () => {
    const p = planExperiment(fingerprint(repeat(20, [1.37, 1.25, 1.25], [115, 320, 232])), datasetJson(20, 2), { datasetName: 'H' });
    const f = cfg(p, '3d_fullres');
    expect(f.patch_size).toEqual([80, 192, 160]);
    expect(f.batch_size).toBe(2);
    expect(f.architecture.arch_kwargs.strides.slice(1)).toEqual([[2, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2]]);
    expect(f.architecture.arch_kwargs.kernel_sizes.flat().every((k) => k === 3)).toBe(true);
    const d = cfg(p, '2d');
    expect(d.patch_size).toEqual([320, 256]);
    expect(d.batch_size).toBe(40);
    expect(d.architecture.arch_kwargs.strides.slice(1)).toEqual(new Array(6).fill([2, 2]));
  });

  it('anisotropic: p10 rule bumps the coarse axis, kernels start 1x3x3', () => {
    const cases = [...repeat(16, [3.6, 0.625, 0.625], [20, 320, 320]), ...repeat(16, [4.0, 0.6, 0.6], [20, 320, 320])];
    const p = planExperiment(fingerprint(cases), datasetJson(32, 3), { datasetName: 'A' });
    const f = cfg(p, '3d_fullres');
    expect(f.spacing).toEqual([3.6, 0.6125, 0.6125]);
    expect(f.patch_size).toEqual([20, 320, 256]);
    expect(f.batch_size).toBe(2);
    expect(f.architecture.arch_kwargs.strides.slice(1)).toEqual([[1, 2, 2], [1, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2], [1, 2, 2]]);
    expect(f.architecture.arch_kwargs.kernel_sizes.slice(0, 3)).toEqual([[1, 3, 3], [1, 3, 3], [3, 3, 3]]);
  });

  it('Liver-like: a 3d_lowres + cascade appear, batch dice flips on fullres', () => {
    const p = planExperiment(fingerprint(repeat(131, [1, 0.77, 0.77], [432, 512, 512])), datasetJson(131, 3), { datasetName: 'L' });
    expect(Object.keys(p.configurations)).toEqual(['2d', '3d_lowres', '3d_fullres', '3d_cascade_fullres']);
    const f = cfg(p, '3d_fullres');
    expect(f.patch_size).toEqual([128, 128, 128]);
    expect(f.batch_size).toBe(2);
    expect(f.batch_dice).toBe(true);
    const lo = cfg(p, '3d_lowres');
    expect(lo.patch_size).toEqual([128, 128, 128]);
    expect(lo.batch_size).toBe(2);
    expect(lo.median_image_size_in_voxels).toEqual([178, 211, 211]);
    expect(lo.spacing.map((s) => Number(s.toFixed(3)))).toEqual([2.427, 1.869, 1.869]);
    expect(lo.batch_dice).toBe(false);
    expect(lo.next_stage).toBe('3d_cascade_fullres');
    expect(lo.data_identifier).toBe('nnUNetPlans_3d_lowres');
    expect(Object.keys(lo).slice(-2)).toEqual(['batch_dice', 'next_stage']);
    expect(p.configurations['3d_cascade_fullres']).toEqual({ inherits_from: '3d_fullres', previous_stage: '3d_lowres' });
    const d = cfg(p, '2d');
    expect(d.patch_size).toEqual([512, 512]);
    expect(d.batch_size).toBe(12);
    expect(d.architecture.arch_kwargs.strides.length).toBe(8);
    expect(d.architecture.arch_kwargs.features_per_stage).toEqual([32, 64, 128, 256, 512, 512, 512, 512]);
  });

  it('2D data: no 3d configurations; transpose keeps the dummy axis first', () => {
    const p = planExperiment(fingerprint(repeat(40, [999, 0.5, 0.5], [1, 256, 256])), { ...datasetJson(40, 2), file_ending: '.png' },
      { datasetName: 'P' });
    expect(Object.keys(p.configurations)).toEqual(['2d']);
    expect(p.transpose_forward).toEqual([0, 1, 2]);
    expect(p.image_reader_writer).toBe('NaturalImage2DIO');
    expect(cfg(p, '2d').patch_size).toEqual([256, 256]);
  });

  it('multi-channel: normalization per channel name; mask used only for z-score when cropping removed > 25 %', () => {
    const p = planExperiment(fingerprint(repeat(10, [1, 1, 1], [64, 64, 64]), 3, 0.5),
      datasetJson(10, 2, ['CT', 'T2', 'noNorm']), { datasetName: 'M' });
    const f = cfg(p, '3d_fullres');
    expect(f.normalization_schemes).toEqual(['CTNormalization', 'ZScoreNormalization', 'NoNormalization']);
    expect(f.use_mask_for_norm).toEqual([false, true, false]);
  });

  it('tiny images: few stages, batch size floored at 2 by the 5 % cap', () => {
    const p = planExperiment(fingerprint(repeat(3, [1, 1, 1], [12, 10, 9])), datasetJson(3, 2), { datasetName: 'T' });
    const f = cfg(p, '3d_fullres');
    expect(f.patch_size).toEqual([12, 10, 10]);
    expect(f.architecture.arch_kwargs.n_stages).toBe(2);
    expect(f.batch_size).toBe(2);
  });

  it('transposes when the coarse axis is not first', () => {
    const p = planExperiment(fingerprint(repeat(10, [0.8, 0.8, 2.5], [300, 300, 60])), datasetJson(10, 2), { datasetName: 'X' });
    expect(p.transpose_forward).toEqual([2, 0, 1]);
    expect(p.transpose_backward).toEqual([1, 2, 0]);
    expect(cfg(p, '3d_fullres').spacing).toEqual([2.5, 0.8, 0.8]);
    expect(p.original_median_shape_after_transp).toEqual([60, 300, 300]);
  });

  it('gpu memory target scales the reference (larger patch or batch)', () => {
    const fp = fingerprint(repeat(131, [1, 0.77, 0.77], [432, 512, 512]));
    const big = cfg(planExperiment(fp, datasetJson(131, 3), { datasetName: 'L', gpuMemoryGb: 24 }), '3d_fullres');
    expect(big.patch_size.reduce((a, b) => a * b)).toBeGreaterThan(128 ** 3);
  });

  it('overwrite_target_spacing replaces the fullres spacing', () => {
    const p = planExperiment(fingerprint(repeat(10, [1, 1, 1], [100, 100, 100])), datasetJson(10, 2),
      { datasetName: 'O', overwriteTargetSpacing: [2, 1, 1] });
    expect(cfg(p, '3d_fullres').spacing).toEqual([2, 1, 1]);
    expect(cfg(p, '3d_fullres').median_image_size_in_voxels).toEqual([50, 100, 100]);
  });

  it('ResEnc presets: residual network, their own data identifiers, no 5 % cap', () => {
    const fp = fingerprint(repeat(260, [1, 1, 1], [36, 50, 35]));
    const p = planExperiment(fp, datasetJson(260, 3), { datasetName: 'D', planner: 'resenc-m' });
    expect(p.plans_name).toBe('nnUNetResEncUNetMPlans');
    expect(p.experiment_planner_used).toBe('nnUNetPlannerResEncM');
    const f = cfg(p, '3d_fullres');
    expect(f.data_identifier).toBe('nnUNetPlans_3d_fullres');
    expect(f.architecture.network_class_name).toBe('dynamic_network_architectures.architectures.unet.ResidualEncoderUNet');
    expect(f.architecture.arch_kwargs.n_blocks_per_stage).toEqual([1, 3, 4, 6]);
    expect(f.architecture.arch_kwargs.n_conv_per_stage).toBeUndefined();
    expect(f.architecture.arch_kwargs.n_conv_per_stage_decoder).toEqual([1, 1, 1]);
    expect(f.batch_size).toBeGreaterThan(9);
    const l = planExperiment(fp, datasetJson(260, 3), { datasetName: 'D', planner: 'resenc-l' });
    expect(l.plans_name).toBe('nnUNetResEncUNetLPlans');
  });
});
