/**
 * Kind `postprocess` (spec §9): needs `find-best`, `evaluate` and `dataset`. On the winner's cross-validation
 * predictions, decides whether keeping the largest component (all foreground, then per label) helps; writes
 * postprocessing.json and postprocessed/ (files + summary.json).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { crossvalFolder } from '../evaluate/crossval.js';
import { crossvalInputs, datasetInputs } from '../find-best/inputs.js';
import { ensembleId } from '../find-best/select.js';
import { determineOnFolder } from './determine-folder.js';
import { paramsSchema, type PostprocessParams } from './params.js';
import { parsePythonJson } from '../../src/util/py-json.js';

async function run(ctx: ActionContext<PostprocessParams>) {
  const best = ctx.input('find-best');
  const info = parsePythonJson(await readFile(join(best.dir, 'inference_information.json'), 'utf8')) as {
    best_model_or_ensemble: { selected_model_or_models: Array<{ configuration: string }> };
    folds: number[];
  };
  const chosen = info.best_model_or_ensemble.selected_model_or_models;
  const crossvals = await crossvalInputs(ctx.inputs.evaluate ?? []);
  const member = (c: string) => {
    const found = crossvals.find((x) => x.info.configuration === c);
    if (!found) throw new NodeError('POSTPROCESS_MISSING_CONFIGURATION', `find-best chose ${c} but no evaluate input holds it`, { node: ctx.actionId });
    return found;
  };
  const ids = chosen.map((c) => member(c.configuration).info.model_id);
  const source = ids.length === 1
    ? join(member(chosen[0].configuration).dir, crossvalFolder(info.folds))
    : join(best.dir, 'ensembles', ensembleId(ids[0], ids[1], info.folds));
  const { datasetJson, references } = await datasetInputs(ctx.input('dataset'));
  const d = await determineOnFolder(source, references, datasetJson, ctx.outDir);
  return {
    metrics: {
      operations: d.ops.map((o) => JSON.stringify(o.labels_or_regions)),
      mean_fg_dice_before: d.baseline.foreground_mean.Dice,
      mean_fg_dice_after: d.final.foreground_mean.Dice,
    },
  };
}

export const postprocess: NodeKind<PostprocessParams> = {
  kind: 'postprocess',
  version: '2',
  description: 'decide on cross-validation predictions whether keeping the largest component helps (nnU-Net rules)',
  params: paramsSchema,
  inputs: {
    'find-best': { description: "find-best's choice", required: true },
    dataset: { description: 'the raw reference labels', required: true },
    evaluate: { description: "each configuration's cross-validation summary" },
  },
  run,
};
