/**
 * Kind `preprocess` (spec §4): one action per dataset case and plan configuration. Output tree:
 * `<case>.npy`, `<case>_seg.npy`, `<case>.json`. The work runs on the shared worker pool.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { paramsSchema, type PreprocessParams } from './params.js';
import type { CaseItemData, LabelValue } from '../dataset/format.js';
import { resolveConfiguration } from '../plan/resolve.js';
import type { PreprocessPlans } from './preprocess-case.js';
import { runCase } from './pool.js';

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

async function run(ctx: ActionContext<PreprocessParams>) {
  const item = ctx.item;
  if (!item) throw new NodeError('PREPROCESS_NO_CASE', 'preprocess runs per dataset case (foreach: dataset)', { node: ctx.actionId });
  const { images, label, reader_writer: readerWriter } = item.data as unknown as Partial<CaseItemData> & Pick<CaseItemData, 'images'>;
  const planDir = ctx.input('plan').dir;
  const plans = await readJson<PreprocessPlans>(join(planDir, 'nnUNetPlans.json'));
  // the plan's copy of dataset.json is part of this action's key; the dataset node's whole listing is not
  const datasetJsonFile = existsSync(join(planDir, 'dataset.json')) ? join(planDir, 'dataset.json') : join(ctx.input('dataset').dir, 'dataset.json');
  const { labels } = await readJson<{ labels: Record<string, LabelValue> }>(datasetJsonFile);
  const config = resolveConfiguration(plans, ctx.params.configuration);
  if (config.previous_stage) {
    ctx.log(`${ctx.params.configuration} uses the ${config.data_identifier} data; its ${config.previous_stage} input comes from that stage's predictions`);
  }
  const summary = await runCase(
    { caseId: item.id, images, label: label ?? null, readerWriter, plans, configuration: ctx.params.configuration, labels, outDir: ctx.outDir },
    ctx.signal,
  );
  summary.warnings.forEach((w) => ctx.log(`warning: ${w}`));
  return { metrics: { data_identifier: config.data_identifier, shape: summary.shape } };
}

export const preprocess: NodeKind<PreprocessParams> = {
  kind: 'preprocess',
  version: '1',
  description: "nnU-Net's DefaultPreprocessor for one case and configuration: transpose, crop, normalize, resample, class locations",
  params: paramsSchema,
  inputs: {
    dataset: { description: 'the dataset whose cases it fans out over', required: true },
    plan: { description: "the plans (a plan or preprocess-settings node's output)", required: true },
  },
  // one case per action: a cluster job needs one core
  resources: { job: { cpus: 1 } },
  foreach: 'dataset',
  run,
};
