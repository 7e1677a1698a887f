/**
 * nnU-Net's plan_experiment (spec §3.8, §3.11): fingerprint + dataset.json -> nnUNetPlans.json, with nnU-Net's
 * configurations, key order and value types. No I/O: the node reads the files and writes the result.
 */
import { roundHalfEven } from '../../src/imaging/np.js';
import type { DatasetFingerprint } from '../fingerprint/format.js';
import { channelNames, type DatasetJson } from '../dataset/format.js';
import type { ConfigurationPlan, Plans } from './format.js';
import { PLANNERS, type PlannerConstants, type PlannerName } from './planner.js';
import { planConfiguration } from './steps/configuration.js';
import { computeNewShape, medianPerAxis } from './steps/new-shape.js';
import { chooseNormalization } from './steps/normalization.js';
import { readerWriterFor } from '../../src/imaging/io/reader-writer.js';
import { RESAMPLING_FN, resamplingData, resamplingProbabilities, resamplingSeg } from './steps/resampling.js';
import { fullresTargetSpacing } from './steps/target-spacing.js';
import { applyTranspose, transposeFor } from './steps/transpose.js';
import { PlansError } from './resolve.js';
import { pyJsonStringify } from '../../src/util/py-json.js';

export interface PlanOptions {
  datasetName: string;
  planner?: PlannerName;
  /** GPU memory target; default: the planner's (8 GB, ResEnc L 24, XL 40) */
  gpuMemoryGb?: number;
  /** replaces the fullres target spacing (reader axis order) */
  overwriteTargetSpacing?: number[];
  plansName?: string;
  preprocessorName?: string;
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

export function planExperiment(fp: DatasetFingerprint, ds: DatasetJson, opts: PlanOptions): Plans {
  const k: PlannerConstants = PLANNERS[opts.planner ?? 'default'];
  const plansName = opts.plansName ?? k.plansName;
  const gpuMemoryGb = opts.gpuMemoryGb ?? k.gpuMemoryGb;
  const numTraining = ds.numTraining;
  const numLabelKeys = Object.keys(ds.labels).length;
  if (fp.spacings.length === 0) throw new PlansError('PLAN_EMPTY_FINGERPRINT', 'the fingerprint lists no cases');

  const fullres = opts.overwriteTargetSpacing
    ? [...opts.overwriteTargetSpacing]
    : fullresTargetSpacing(fp.spacings, fp.shapes_after_crop, k);
  const { forward, backward } = transposeFor(fullres);
  const fullresT = applyTranspose(fullres, forward);
  const newShapes = fp.spacings.map((sp, i) => computeNewShape(fp.shapes_after_crop[i], sp, fullres));
  const medianT = applyTranspose(medianPerAxis(newShapes), forward);
  const approxVoxels = prod(medianT) * numTraining;

  const norm = chooseNormalization(Object.values(channelNames(ds)), fp.median_relative_size_after_cropping,
    Boolean(ds.use_mask_for_norm));
  const dataId = (config: string) =>
    `${k.sharesDefaultData && (config === '2d' || config === '3d_fullres') ? PLANNERS.default.plansName : plansName}_${config}`;
  const configuration = (config: string, spacing: number[], median: number[], approx: number): ConfigurationPlan => {
    const sized = planConfiguration({ spacing, medianShape: median, approxDatasetVoxels: approx, numLabelKeys, gpuMemoryGb }, k);
    return {
      data_identifier: dataId(config),
      preprocessor_name: opts.preprocessorName ?? 'DefaultPreprocessor',
      batch_size: sized.batchSize,
      patch_size: sized.patchSize,
      median_image_size_in_voxels: median,
      spacing,
      normalization_schemes: norm.schemes,
      use_mask_for_norm: norm.useMaskForNorm,
      resampling_fn_data: RESAMPLING_FN,
      resampling_fn_seg: RESAMPLING_FN,
      resampling_fn_data_kwargs: resamplingData(),
      resampling_fn_seg_kwargs: resamplingSeg(),
      resampling_fn_probabilities: RESAMPLING_FN,
      resampling_fn_probabilities_kwargs: resamplingProbabilities(),
      architecture: sized.architecture,
    } as ConfigurationPlan;
  };

  let plan3d: ConfigurationPlan | undefined;
  let planLowres: ConfigurationPlan | undefined;
  if (medianT[0] !== 1) {
    plan3d = configuration('3d_fullres', fullresT, medianT, approxVoxels);
    planLowres = planLowresStage(plan3d, fullresT, medianT, numTraining, k,
      (sp, med, approx) => configuration('3d_lowres', sp, med, approx));
    if (planLowres) planLowres.batch_dice = false;
    plan3d.batch_dice = planLowres !== undefined;
  }
  const plan2d = configuration('2d', fullresT.slice(1), medianT.slice(1), approxVoxels);
  plan2d.batch_dice = true;

  const configurations: Plans['configurations'] = { '2d': plan2d };
  if (planLowres) {
    configurations['3d_lowres'] = planLowres;
    if (plan3d) planLowres.next_stage = '3d_cascade_fullres';
  }
  if (plan3d) {
    configurations['3d_fullres'] = plan3d;
    if (planLowres) configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
  }
  const readerWriter = readerWriterFor(ds.file_ending, ds.overwrite_image_reader_writer);
  if (!readerWriter) {
    throw new PlansError('PLAN_NO_READER', `no image reader/writer supports file_ending '${ds.file_ending}'`, { path: '/file_ending' });
  }
  return {
    dataset_name: opts.datasetName,
    plans_name: plansName,
    original_median_spacing_after_transp: applyTranspose(medianPerAxis(fp.spacings), forward),
    original_median_shape_after_transp: applyTranspose(medianPerAxis(fp.shapes_after_crop), forward).map(roundHalfEven),
    image_reader_writer: readerWriter,
    transpose_forward: forward,
    transpose_backward: backward,
    configurations,
    experiment_planner_used: k.className,
    label_manager: 'LabelManager',
    foreground_intensity_properties_per_channel: fp.foreground_intensity_properties_per_channel,
  };
}

/**
 * spec §3.8 3d_lowres: grow the spacing (anisotropic axes first) by 1.03 per step until the fullres-derived
 * patch covers 25 % of the median image; dropped when it would be less than half the fullres voxels.
 */
function planLowresStage(plan3d: ConfigurationPlan, fullresT: number[], medianT: number[], numTraining: number,
  k: PlannerConstants, plan: (spacing: number[], median: number[], approx: number) => ConfigurationPlan,
): ConfigurationPlan | undefined {
  let patchVoxels = prod(plan3d.patch_size);
  let medianVoxels = prod(medianT);
  const lowresSpacing = [...fullresT];
  let lowres: ConfigurationPlan | undefined;
  while (patchVoxels / medianVoxels < k.lowresCreationThreshold) {
    const maxSpacing = Math.max(...lowresSpacing);
    const aniso = lowresSpacing.map((s) => maxSpacing / s > 2);
    const anyAniso = aniso.some(Boolean);
    for (let i = 0; i < lowresSpacing.length; i++) {
      if (!anyAniso || aniso[i]) lowresSpacing[i] *= k.lowresSpacingIncreaseFactor;
    }
    const scaled = fullresT.map((s, i) => (s / lowresSpacing[i]) * medianT[i]);
    medianVoxels = prod(scaled);
    lowres = plan([...lowresSpacing], scaled.map(roundHalfEven), medianVoxels * numTraining);
    patchVoxels = prod(lowres.patch_size);
  }
  return prod(medianT) / medianVoxels < 2 ? undefined : lowres;
}

const FLOAT_LISTS = new Set(['original_median_spacing_after_transp', 'spacing']);

/**
 * The plans file text as nnU-Net's save_json(sort_keys=False) writes it: indent 4, floats as Python prints them
 * (36.0, 1e-05), integer lists as ints (the 3d_lowres median shape is rounded to ints upstream).
 */
export function plansJson(plans: Plans): string {
  return pyJsonStringify(plans, {
    isFloat: (p) => FLOAT_LISTS.has(p[p.length - 2]) || p[p.length - 1] === 'eps'
      || p[0] === 'foreground_intensity_properties_per_channel'
      || (p[p.length - 2] === 'median_image_size_in_voxels' && p[1] !== '3d_lowres'),
  });
}
