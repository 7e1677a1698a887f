/**
 * Kind `export`: a self-contained model folder - plans.json, dataset.json, <configuration>/fold_<f>/checkpoint_final,
 * and when given, find-best's inference_information.json and postprocess's postprocessing.json.
 * Needs `train` (train-fold actions, from one node or several: `train: [train, train_lowres, train_cascade]`); a cascade
 * stage needs its previous stage's folds there too. Optional `find-best`, `postprocess`.
 */
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { exportModel } from './export-model.js';
import { paramsSchema, type ExportParams } from './params.js';

async function run(ctx: ActionContext<ExportParams>) {
  const one = (name: string) => (ctx.inputs[name]?.length === 1 ? ctx.inputs[name][0].dir : undefined);
  const { configurations } = await exportModel({
    folds: (ctx.inputs.train ?? []).map((a) => a.dir),
    checkpoint: ctx.params.checkpoint,
    findBest: one('find-best'),
    postprocess: one('postprocess'),
  }, ctx.outDir);
  return { metrics: { configurations } };
}

export const exportKind: NodeKind<ExportParams> = {
  kind: 'export',
  version: '2',
  description: 'a self-contained model folder for nnunet predict -m (plans, dataset.json, fold checkpoints, postprocessing)',
  params: paramsSchema,
  inputs: {
    train: { description: 'the trained folds' },
    'find-best': { description: "find-best's choice (inference_information.json)" },
    postprocess: { description: 'the chosen postprocessing' },
  },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  run,
};
