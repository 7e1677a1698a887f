/**
 * Kind `preprocess-settings`: the part of the plans one configuration's preprocessing depends on, as a small
 * plans file (same keys as nnUNetPlans.json, one resolved configuration) plus the dataset.json labels.
 * Preprocess actions that take it as their `plan` need are keyed on it instead of the whole plans, so a
 * plan change (say, a new 2d batch size) reruns only the configurations whose preprocessing changed (early
 * cutoff on identical bytes). With `plans` (+ `dataset_json`) params it takes an existing nnUNetPlans.json instead
 * of a plan need, e.g. nnU-Net's own plans (what nnUNetv2_preprocess does).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import type { DatasetJson } from '../dataset/format.js';
import type { Plans } from '../plan/format.js';
import { resolveConfiguration } from '../plan/resolve.js';
import type { JSONSchemaType } from 'ajv';
import type { PreprocessParams } from './params.js';
import type { PreprocessPlans } from './preprocess-case.js';

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

/** The settings of `configuration`, in the shape of a plans file with just that (resolved) configuration. */
export function preprocessSettings(plans: Plans, configuration: string): PreprocessPlans {
  const c = resolveConfiguration(plans, configuration);
  // only CTNormalization reads the dataset's intensity statistics: with them in the settings of a z-scored channel,
  // every new or edited case would change them and reprocess every other case for nothing
  const stats = plans.foreground_intensity_properties_per_channel ?? {};
  const ctChannels = Object.keys(stats).filter((ch) => c.normalization_schemes?.[Number(ch)] === 'CTNormalization');
  return {
    plans_name: plans.plans_name,
    transpose_forward: plans.transpose_forward,
    foreground_intensity_properties_per_channel: Object.fromEntries(ctChannels.map((ch) => [ch, stats[ch]])),
    configurations: {
      [configuration]: {
        data_identifier: c.data_identifier,
        spacing: c.spacing,
        normalization_schemes: c.normalization_schemes,
        use_mask_for_norm: c.use_mask_for_norm,
        resampling_fn_data: c.resampling_fn_data,
        resampling_fn_data_kwargs: c.resampling_fn_data_kwargs,
        resampling_fn_seg: c.resampling_fn_seg,
        resampling_fn_seg_kwargs: c.resampling_fn_seg_kwargs,
        ...(c.previous_stage === undefined ? {} : { previous_stage: c.previous_stage }),
      },
    },
  };
}

export interface PreprocessSettingsParams extends PreprocessParams {
  /** an nnUNetPlans.json to use instead of the `plan` need */
  plans?: string;
  /** the dataset.json going with `plans` (default: next to it) */
  dataset_json?: string;
}

const settingsSchema: JSONSchemaType<PreprocessSettingsParams> = {
  type: 'object',
  properties: {
    configuration: { type: 'string', minLength: 1 },
    plans: { type: 'string', format: 'path', nullable: true },
    dataset_json: { type: 'string', format: 'path', nullable: true },
  },
  required: ['configuration'],
  additionalProperties: false,
};

const files = (p: PreprocessSettingsParams): string[] => (p.plans ? [p.plans, p.dataset_json ?? join(dirname(p.plans), 'dataset.json')] : []);

async function run(ctx: ActionContext<PreprocessSettingsParams>) {
  const dir = ctx.params.plans ? undefined : ctx.input('plan').dir;
  const [plansFile, datasetFile] = dir ? [join(dir, 'nnUNetPlans.json'), join(dir, 'dataset.json')] : files(ctx.params);
  const plans = await readJson<Plans>(plansFile);
  const { labels } = await readJson<DatasetJson>(datasetFile);
  const settings = preprocessSettings(plans, ctx.params.configuration);
  await writeFile(join(ctx.outDir, 'nnUNetPlans.json'), JSON.stringify(settings, null, 1));
  await writeFile(join(ctx.outDir, 'dataset.json'), JSON.stringify({ labels }, null, 1));
  return { metrics: { data_identifier: settings.configurations[ctx.params.configuration].data_identifier ?? null } };
}

export const preprocessSettingsKind: NodeKind<PreprocessSettingsParams> = {
  kind: 'preprocess-settings',
  version: '2',
  description: "one configuration's preprocessing settings cut from the plans, so preprocess reruns only when they change",
  params: settingsSchema,
  inputs: { plan: { description: 'the plans to cut the settings from (or give the plans param)' } },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  externalInputs: files,
  run,
};
