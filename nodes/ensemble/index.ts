/**
 * Kind `ensemble` (spec §8, nnUNetv2_ensemble): averages the probabilities of several `predict` actions (run with
 * save_probabilities) case by case. Optional need `model` (an export action): its postprocessing is applied.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { labelHandling } from '../../src/nn/predict/labels.js';
import type { DatasetJson } from '../dataset/format.js';
import { loadPostprocessing } from '../postprocess/apply.js';
import { ensembleFolders } from './ensemble-folders.js';
import { paramsSchema, type EnsembleParams } from './params.js';

async function run(ctx: ActionContext<EnsembleParams>) {
  const folders = (ctx.inputs.predict ?? []).map((a) => a.dir);
  if (folders.length < 2) throw new NodeError('ENSEMBLE_TOO_FEW', `an ensemble needs at least two predict actions, got ${folders.length}`, { node: ctx.actionId });
  const ds = JSON.parse(await readFile(join(folders[0], 'dataset.json'), 'utf8')) as DatasetJson;
  const model = ctx.inputs.model?.[0]?.dir;
  const postprocess = model ? await loadPostprocessing(model) : null;
  const cases = await ensembleFolders(folders, ctx.outDir, {
    handling: labelHandling(ds.labels, ds.regions_class_order), fileEnding: ds.file_ending,
    saveProbabilities: ctx.params.save_probabilities, postprocess: postprocess ?? undefined,
  });
  return { metrics: { cases: cases.length, members: folders.length } };
}

export const ensemble: NodeKind<EnsembleParams> = {
  kind: 'ensemble',
  version: '1',
  description: 'average the probabilities of several predict actions (nnUNetv2_ensemble)',
  params: paramsSchema,
  inputs: {
    predict: { description: 'the prediction folders to average' },
    model: { description: 'the model whose postprocessing to apply' },
  },
  run,
};
