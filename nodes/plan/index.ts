/**
 * Kind `plan` (spec §3): nnUNetPlans.json + dataset.json from a fingerprint - the `fingerprint` need's
 * artifact, or an nnU-Net fingerprint file and dataset.json given as params (no images needed).
 * The artifact always names the plans `nnUNetPlans.json`; `plans_name` inside it says which planner made it.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { channelNames, type DatasetJson } from '../dataset/format.js';
import { datasetJsonIssues } from '../dataset/validate.js';
import type { DatasetFingerprint } from '../fingerprint/format.js';
import { DATASET_NAME_FILE, FINGERPRINT_FILE } from '../fingerprint/index.js';
import { checkFingerprint } from './check-fingerprint.js';
import { paramsSchema, type PlanParams } from './params.js';
import { planExperiment, plansJson } from './plan-experiment.js';
import { readJsonFileAs } from '../../src/util/json-file.js';

export const PLANS_FILE = 'nnUNetPlans.json';

interface Sources { fingerprintFile: string; datasetJsonFile: string; datasetName?: string; nameFile?: string }

function sources(ctx: ActionContext<PlanParams>): Sources {
  const p = ctx.params;
  if (p.fingerprint || p.dataset_json) {
    if (!p.fingerprint || !p.dataset_json) {
      throw new NodeError('PLAN_PARAMS', 'planning from files needs both `fingerprint` and `dataset_json`', { node: ctx.actionId });
    }
    return { fingerprintFile: p.fingerprint, datasetJsonFile: p.dataset_json, datasetName: p.dataset_name ?? basename(dirname(p.fingerprint)) };
  }
  const dir = ctx.input('fingerprint').dir;
  const nameFile = join(dir, DATASET_NAME_FILE);
  return { fingerprintFile: join(dir, FINGERPRINT_FILE), datasetJsonFile: join(dir, 'dataset.json'), datasetName: p.dataset_name, nameFile };
}

const readJson = (file: string, code: string) => readJsonFileAs(file, { nonFinite: 'null' }, { error: NodeError, code });

async function run(ctx: ActionContext<PlanParams>) {
  const src = sources(ctx);
  const datasetName = src.datasetName ?? (src.nameFile && existsSync(src.nameFile) ? (await readFile(src.nameFile, 'utf8')).trim() : 'Dataset');
  const fp = await readJson(src.fingerprintFile, 'PLAN_FINGERPRINT_UNREADABLE');
  const ds = await readJson(src.datasetJsonFile, 'PLAN_DATASET_JSON_UNREADABLE');
  const issues = [...datasetJsonIssues(ds.value, src.datasetJsonFile), ...checkFingerprint(fp.value, src.fingerprintFile)];
  if (issues.length > 0) {
    throw new NodeError('PLAN_INVALID_INPUT', `cannot plan:\n${issues.map((i) => `  - ${i.message}`).join('\n')}`, { file: issues[0].file }, { issues });
  }
  // CT normalization clips to the foreground's percentiles: without a foreground voxel in any label there are none
  // (nnU-Net would normalize every voxel to NaN); refuse by channel rather than plan data that trains on nothing
  const props = (fp.value as DatasetFingerprint).foreground_intensity_properties_per_channel;
  for (const [c, name] of Object.entries(channelNames(ds.value as DatasetJson))) {
    const p = props?.[c] as { mean?: unknown; percentile_00_5?: unknown; percentile_99_5?: unknown } | undefined;
    if (String(name).toLowerCase() === 'ct' && !(p && Number.isFinite(p.mean) && Number.isFinite(p.percentile_00_5) && Number.isFinite(p.percentile_99_5))) {
      throw new NodeError('PLAN_NO_FOREGROUND', `channel ${c} (CT) has no foreground intensity statistics in ${src.fingerprintFile}: no label holds a foreground voxel, `
        + 'and CT normalization clips to the foreground\'s percentiles', { file: src.fingerprintFile });
    }
  }
  const plans = planExperiment(fp.value as DatasetFingerprint, ds.value as DatasetJson, {
    datasetName,
    planner: ctx.params.planner,
    gpuMemoryGb: ctx.params.gpu_memory_gb,
    overwriteTargetSpacing: ctx.params.overwrite_target_spacing,
    plansName: ctx.params.plans_name,
  });
  // a spacing ratio of 1e5 rounds an axis of the patch to 0 voxels, and the batch size divides by it: refuse it here
  // rather than store plans with NaN and Infinity in them
  for (const [name, c] of Object.entries(plans.configurations)) {
    const bad = (c.patch_size && !c.patch_size.every((p) => Number.isFinite(p) && p >= 1)) || (c.batch_size !== undefined && !(Number.isFinite(c.batch_size) && c.batch_size >= 1));
    if (bad) {
      throw new NodeError('PLAN_DEGENERATE', `cannot plan ${name}: patch size [${c.patch_size}] and batch size ${c.batch_size} from spacing [${c.spacing}] ` +
        `(median spacings of ${src.fingerprintFile}); the spacing is too anisotropic for any patch`, { file: src.fingerprintFile });
    }
  }
  await writeFile(join(ctx.outDir, PLANS_FILE), plansJson(plans));
  await writeFile(join(ctx.outDir, 'dataset.json'), ds.text);
  const metrics: Record<string, number[] | number | string> = { plans_name: plans.plans_name };
  for (const [name, c] of Object.entries(plans.configurations)) {
    if (c.patch_size) metrics[`${name}.patch_size`] = c.patch_size;
    if (c.batch_size) metrics[`${name}.batch_size`] = c.batch_size;
  }
  return { metrics };
}

export const plan: NodeKind<PlanParams> = {
  kind: 'plan',
  version: '1',
  description: "nnU-Net's experiment planner (default or ResEnc M/L/XL): nnUNetPlans.json from a dataset fingerprint",
  params: paramsSchema,
  inputs: { fingerprint: { description: 'the dataset fingerprint (or give the fingerprint and dataset_json params)' } },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  externalInputs: (p) => [p.fingerprint, p.dataset_json].filter((f): f is string => typeof f === 'string'),
  run,
};
