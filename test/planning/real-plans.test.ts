/**
 * Our planner against plans that real nnU-Net v2 installations wrote and published on GitHub
 * (test/planning/fixtures/real/<owner>__<repo>/, provenance in SOURCE.md there): the published
 * dataset_fingerprint.json + dataset.json go in, and the published nnUNetPlans.json must come out.
 *
 * Plans from nnU-Net releases before the 2024 `architecture` block describe the same network with flat keys
 * (UNet_class_name, pool_op_kernel_sizes, conv_kernel_sizes, ...). Every value those keys carry is still
 * defined by v2.8.1's rules, so our plans are rewritten into that older layout and must then match the file
 * byte for byte as well; and read back the way v2.8.1 reads old plans (resolveConfiguration rebuilds the
 * `architecture` block), every configuration equals ours.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DatasetJson } from '../../nodes/dataset/format.js';
import { datasetJsonIssues } from '../../nodes/dataset/validate.js';
import type { DatasetFingerprint } from '../../nodes/fingerprint/format.js';
import { checkFingerprint } from '../../nodes/plan/check-fingerprint.js';
import type { ConfigurationEntry, Plans } from '../../nodes/plan/format.js';
import { planExperiment, plansJson } from '../../nodes/plan/plan-experiment.js';
import { PLANNERS } from '../../nodes/plan/planner.js';
import { resolveConfiguration } from '../../nodes/plan/resolve.js';

interface RealPair {
  dir: string;
  plansFile: string;
  layout: 'architecture' | 'flat';
  /** dataset.json when the repository does not publish one (see SOURCE.md) */
  datasetJson?: DatasetJson;
}

const PAIRS: RealPair[] = [
  {
    // MSD Task06_Lung through nnUNetv2_convert_MSD_dataset; the repository publishes no dataset.json. The MSD
    // file has one modality "CT" (the plans normalise with CTNormalization) and labels background/cancer;
    // the fingerprint lists 63 cases.
    dir: 'Usamakhan843__3D-Lung-Tumor-Segmentation-with-nnU-Net',
    plansFile: 'nnUNetPlans.json',
    layout: 'architecture',
    datasetJson: { channel_names: { 0: 'CT' }, labels: { background: 0, cancer: 1 }, numTraining: 63, file_ending: '.nii.gz' },
  },
  // 7 mm slices: the anisotropy rule fires (p10 of the slice spacings) and the masked z-score applies
  { dir: 'timdehaan1__automatic-liver-segmentation-nnUnet', plansFile: 'plans.json', layout: 'architecture' },
  // PET + CT, 813 cases: 3d_lowres after 21 spacing steps of 1.03, cascade, mixed normalisation
  { dir: 'NIH-MIP__FDG-PET-CT_AI', plansFile: 'nnUNetPlans.json', layout: 'flat' },
  // 2D PNGs (NaturalImage2DIO spacing 999,1,1 as ints): 2d only, batch size floored at 2
  { dir: 'HuiLin0220__StenUNet', plansFile: 'nnUNetPlans.json', layout: 'flat' },
];

const fixture = (dir: string, file: string): string =>
  readFileSync(new URL(`./fixtures/real/${dir}/${file}`, import.meta.url), 'utf8');

const FLAT_KEYS_BEFORE = 'resampling_fn_data';

/**
 * The configuration as pre-`architecture` nnU-Net wrote it: the network as flat keys placed after
 * use_mask_for_norm (nnU-Net's plans_handler reads both layouts into the same network).
 */
function flatLayout(c: ConfigurationEntry): Record<string, unknown> {
  if (!c.architecture) return { ...c };
  const a = c.architecture.arch_kwargs;
  const flat: Record<string, unknown> = {
    UNet_class_name: c.architecture.network_class_name.split('.').pop(),
    UNet_base_num_features: a.features_per_stage[0],
    n_conv_per_stage_encoder: a.n_conv_per_stage,
    n_conv_per_stage_decoder: a.n_conv_per_stage_decoder,
    num_pool_per_axis: a.strides[0].map((_, axis) => a.strides.filter((s) => s[axis] === 2).length),
    pool_op_kernel_sizes: a.strides,
    conv_kernel_sizes: a.kernel_sizes,
    unet_max_num_features: a.conv_op.endsWith('Conv2d') ? PLANNERS.default.maxFeatures2d : PLANNERS.default.maxFeatures3d,
  };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) {
    if (key === 'architecture') continue;
    if (key === FLAT_KEYS_BEFORE) Object.assign(out, flat);
    out[key] = value;
  }
  return out;
}

function inLayout(plans: Plans, layout: RealPair['layout']): Plans {
  if (layout === 'architecture') return plans;
  const configurations = Object.fromEntries(Object.entries(plans.configurations).map(([n, c]) => [n, flatLayout(c)]));
  return { ...plans, configurations: configurations as Plans['configurations'] };
}

describe.each(PAIRS)('real nnU-Net plans: $dir', (pair) => {
  const fingerprint = JSON.parse(fixture(pair.dir, 'dataset_fingerprint.json')) as DatasetFingerprint;
  const dataset = pair.datasetJson ?? JSON.parse(fixture(pair.dir, 'dataset.json')) as DatasetJson;
  const realText = fixture(pair.dir, pair.plansFile);
  const real = JSON.parse(realText) as Plans & { configurations: Record<string, Record<string, unknown>> };
  const planned = planExperiment(fingerprint, dataset, { datasetName: real.dataset_name });
  const ours = inLayout(planned, pair.layout);
  const oursConfigs = ours.configurations as Record<string, Record<string, unknown>>;

  it('the published inputs pass our fingerprint and dataset.json checks', () => {
    expect(checkFingerprint(fingerprint, 'dataset_fingerprint.json')).toEqual([]);
    expect(datasetJsonIssues(dataset, 'dataset.json')).toEqual([]);
  });

  it('same top-level fields and configurations', () => {
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    for (const key of Object.keys(real).filter((k) => k !== 'configurations')) {
      expect({ [key]: ours[key as keyof Plans] }).toEqual({ [key]: real[key as keyof Plans] });
    }
    expect(Object.keys(ours.configurations)).toEqual(Object.keys(real.configurations));
  });

  it.each(Object.keys(real.configurations))('%s: every field equal', (name) => {
    const theirs = real.configurations[name];
    const mine = oursConfigs[name];
    expect(Object.keys(mine)).toEqual(Object.keys(theirs));
    for (const key of Object.keys(theirs)) expect({ [key]: mine[key] }).toEqual({ [key]: theirs[key] });
  });

  it.each(Object.keys(real.configurations))('%s: read as nnU-Net v2.8.1 reads plans, the same configuration as ours', (name) => {
    expect(resolveConfiguration(real as Plans, name)).toEqual(resolveConfiguration(planned, name));
  });

  it('the plans file is byte-identical (floats to the last digit, key order, indentation)', () => {
    expect(plansJson(ours)).toBe(realText);
  });
});
