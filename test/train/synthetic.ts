/**
 * Tiny preprocessed datasets for training tests: each case is a (1, X, Y, Z) volume with a bright box (label 1)
 * holding a brighter core (label 2) at a random place, plus noise; files laid out as the preprocess node writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNpy } from '../../src/imaging/io/npy.js';
import type { Plans } from '../../nodes/plan/format.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** flat: every case's files in `dir` (nnU-Net's <data_identifier>/ layout) instead of one folder per case */
export async function makeCases(dir: string, n: number, shape: [number, number, number], seed = 1, flat = false): Promise<{ id: string; dir: string }[]> {
  const rnd = lcg(seed);
  const [X, Y, Z] = shape;
  const vox = X * Y * Z;
  const cases: { id: string; dir: string }[] = [];
  for (let c = 0; c < n; c++) {
    const id = `case_${String(c).padStart(3, '0')}`;
    const caseDir = flat ? dir : join(dir, id);
    mkdirSync(caseDir, { recursive: true });
    const img = new Float32Array(vox);
    const seg = new Int16Array(vox);
    const size = shape.map((s) => Math.max(2, Math.floor(s * (0.35 + 0.2 * rnd()))));
    const lo = shape.map((s, i) => Math.floor(rnd() * (s - size[i])));
    const locations: Record<string, number[][]> = { '1': [], '2': [] };
    for (let x = 0; x < X; x++) for (let y = 0; y < Y; y++) for (let z = 0; z < Z; z++) {
      const v = (x * Y + y) * Z + z;
      const p = [x, y, z];
      const inBox = p.every((q, i) => q >= lo[i] && q < lo[i] + size[i]);
      const inCore = inBox && p.every((q, i) => Math.abs(q - (lo[i] + size[i] / 2 - 0.5)) < size[i] / 4);
      seg[v] = inCore ? 2 : inBox ? 1 : 0;
      img[v] = (inCore ? 2 : inBox ? 1 : -1) + 0.3 * (rnd() - 0.5);
      if (seg[v] > 0) locations[String(seg[v])].push([0, x, y, z]);
    }
    await writeNpy(join(caseDir, `${id}.npy`), img, [1, X, Y, Z]);
    await writeNpy(join(caseDir, `${id}_seg.npy`), seg, [1, X, Y, Z]);
    writeFileSync(join(caseDir, `${id}.json`), JSON.stringify({ class_locations: locations, shape_after_cropping_and_before_resampling: shape }));
    cases.push({ id, dir: caseDir });
  }
  return cases;
}

const convOp = (dim: 2 | 3) => `torch.nn.modules.conv.Conv${dim}d`;

/** A plans file with one tiny configuration of the given dimensionality. */
export function tinyPlans(dim: 2 | 3, patch: number[], batchSize: number, name = dim === 3 ? '3d_fullres' : '2d'): Plans {
  const k = (v: number) => new Array(dim).fill(v);
  const strides = dim === 3 ? [k(1), [1, 2, 2], k(2)] : [k(1), k(2), k(2)];
  return {
    dataset_name: 'Dataset999_Synthetic', plans_name: 'nnUNetPlans', original_median_spacing_after_transp: [1, 1, 1],
    original_median_shape_after_transp: [8, 16, 16], image_reader_writer: 'SimpleITKIO', transpose_forward: [0, 1, 2],
    transpose_backward: [0, 1, 2], experiment_planner_used: 'ExperimentPlanner', label_manager: 'LabelManager',
    foreground_intensity_properties_per_channel: {},
    configurations: {
      [name]: {
        data_identifier: `nnUNetPlans_${name}`, preprocessor_name: 'DefaultPreprocessor', batch_size: batchSize, patch_size: patch,
        median_image_size_in_voxels: patch, spacing: k(1), normalization_schemes: ['ZScoreNormalization'], use_mask_for_norm: [false],
        resampling_fn_data: 'resample_data_or_seg_to_shape', resampling_fn_seg: 'resample_data_or_seg_to_shape',
        resampling_fn_data_kwargs: { is_seg: false, order: 3, order_z: 0, force_separate_z: null },
        resampling_fn_seg_kwargs: { is_seg: true, order: 1, order_z: 0, force_separate_z: null },
        resampling_fn_probabilities: 'resample_data_or_seg_to_shape',
        resampling_fn_probabilities_kwargs: { is_seg: false, order: 1, order_z: 0, force_separate_z: null },
        architecture: {
          network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
          arch_kwargs: {
            n_stages: 3, features_per_stage: [4, 8, 16], conv_op: convOp(dim), kernel_sizes: [k(3), k(3), k(3)], strides,
            n_conv_per_stage: [2, 2, 2], n_conv_per_stage_decoder: [2, 2], conv_bias: true,
            norm_op: `torch.nn.modules.instancenorm.InstanceNorm${dim}d`, norm_op_kwargs: { eps: 1e-5, affine: true },
            dropout_op: null, dropout_op_kwargs: null, nonlin: 'torch.nn.LeakyReLU', nonlin_kwargs: { inplace: true },
          },
          _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
        },
        batch_dice: dim === 2,
      },
    },
  } as Plans;
}

export const SYNTHETIC_DATASET_JSON = {
  channel_names: { '0': 'MRI' }, labels: { background: 0, box: 1, core: 2 }, numTraining: 0, file_ending: '.nii.gz',
};

/** A preprocessed folder in nnU-Net's layout with a tiny 3d_fullres plan: nnUNetPlans.json, dataset.json, cases. */
export async function makePreprocessedFolder(dir: string, cases: number, seed: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nnUNetPlans.json'), JSON.stringify(tinyPlans(3, [8, 16, 16], 2)));
  writeFileSync(join(dir, 'dataset.json'), JSON.stringify(SYNTHETIC_DATASET_JSON));
  await makeCases(join(dir, 'nnUNetPlans_3d_fullres'), cases, [8, 16, 16], seed, true);
  return dir;
}
