// Test fixture: a randomly initialised tiny 3D U-Net saved as a model folder, plus tiny NIfTI images.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import '../../src/nn/ops/index.js';
import { saveCheckpoint } from '../../src/nn/checkpoint.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../src/nn/unet/index.js';
import { writeImage } from '../../src/imaging/index.js';
import type { ImageGeometry, Shape3 } from '../../src/imaging/volume.js';
import type { ConfigurationPlan, Plans } from '../../nodes/plan/format.js';
import type { DatasetJson } from '../../nodes/dataset/format.js';
import { resolveConfiguration } from '../../nodes/plan/resolve.js';

const kw = { is_seg: false, order: 1, order_z: 0, force_separate_z: null };
export const tinyConfig: ConfigurationPlan = {
  data_identifier: 'nnUNetPlans_3d_fullres', preprocessor_name: 'DefaultPreprocessor', batch_size: 2,
  patch_size: [8, 8, 8], median_image_size_in_voxels: [12, 12, 9], spacing: [1, 1, 1],
  normalization_schemes: ['ZScoreNormalization'], use_mask_for_norm: [false],
  resampling_fn_data: 'resample_data_or_seg_to_shape', resampling_fn_seg: 'resample_data_or_seg_to_shape',
  resampling_fn_data_kwargs: { ...kw, order: 3 }, resampling_fn_seg_kwargs: { ...kw, is_seg: true },
  resampling_fn_probabilities: 'resample_data_or_seg_to_shape', resampling_fn_probabilities_kwargs: kw,
  architecture: {
    network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
    arch_kwargs: {
      n_stages: 2, features_per_stage: [4, 8], conv_op: 'torch.nn.modules.conv.Conv3d',
      kernel_sizes: [[3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [2, 2, 2]], n_conv_per_stage: [1, 1],
      n_conv_per_stage_decoder: [1], conv_bias: true, norm_op: 'torch.nn.modules.instancenorm.InstanceNorm3d',
      norm_op_kwargs: { eps: 1e-5, affine: true }, dropout_op: null, dropout_op_kwargs: null,
      nonlin: 'torch.nn.LeakyReLU', nonlin_kwargs: { inplace: true },
    },
    _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
  } as unknown as ConfigurationPlan['architecture'],
  batch_dice: false,
};

export const tinyPlans: Plans = {
  dataset_name: 'Dataset999_Tiny', plans_name: 'nnUNetPlans', original_median_spacing_after_transp: [1, 1, 1],
  original_median_shape_after_transp: [12, 12, 9], image_reader_writer: 'SimpleITKIO',
  transpose_forward: [0, 1, 2], transpose_backward: [0, 1, 2], configurations: { '3d_fullres': tinyConfig },
  experiment_planner_used: 'ExperimentPlanner', label_manager: 'LabelManager',
  foreground_intensity_properties_per_channel: { 0: { max: 1, mean: 0, median: 0, min: -1, percentile_00_5: -1, percentile_99_5: 1, std: 1 } },
};

export const tinyDataset: DatasetJson = {
  channel_names: { 0: 'MRI' }, labels: { background: 0, a: 1, b: 2 }, numTraining: 4, file_ending: '.nii.gz',
};

/** A randomly initialised network for `configuration` of `plans`, saved as `file` (a checkpoint as train-fold writes it). */
export async function writeRandomCheckpoint(file: string, plans: Plans, configuration: string, datasetJson: DatasetJson, fold: number,
  seed: number): Promise<void> {
  const config = resolveConfiguration(plans, configuration);
  const net = new UNet(networkSpec(config.architecture as unknown as PlansArchitecture, 1, 3), seed);
  try {
    await saveCheckpoint(file, net, null, {
      configuration, fold, plans, configurationPlan: config, datasetJson,
      inputChannels: 1, numOutputs: 3, currentEpoch: 1, bestEma: null, ema: null, log: [], mirrorAxes: [0, 1, 2], info: {},
    });
  } finally {
    net.dispose();
  }
}

/** <dir>/plans.json, dataset.json, 3d_fullres/fold_<f>/checkpoint_final for each fold (random weights per seed). */
export async function writeTinyModel(dir: string, folds: number[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'plans.json'), JSON.stringify(tinyPlans));
  await writeFile(join(dir, 'dataset.json'), JSON.stringify(tinyDataset));
  for (const fold of folds) await writeRandomCheckpoint(join(dir, '3d_fullres', `fold_${fold}`, 'checkpoint_final'), tinyPlans, '3d_fullres', tinyDataset, fold, 100 + fold);
}

/** A smooth blob image; its z spacing 2 makes preprocessing resample (and export resample back). */
export const TINY_GEOMETRY: ImageGeometry = { dimension: 3, itkSpacing: [1, 1, 2], itkOrigin: [3, -4, 5], itkDirection: [1, 0, 0, 0, -1, 0, 0, 0, 1] };
export const TINY_SHAPE: Shape3 = [6, 12, 9];

export async function writeTinyImage(file: string, seed: number): Promise<void> {
  const [a, b, c] = TINY_SHAPE;
  const data = new Float32Array(a * b * c);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) {
    data[(i * b + j) * c + k] = Math.exp(-((i - 3) ** 2 / 4 + (j - 6) ** 2 / 9 + (k - 4) ** 2 / 9)) * 100 + Math.sin(seed + i + j * 0.3 + k * 0.7);
  }
  await writeImage(file, { data, channels: 1, shape: TINY_SHAPE, spacing: [2, 1, 1], geometry: TINY_GEOMETRY });
}
