/**
 * Kind `find-best` (spec §8): needs `evaluate` (one per configuration) and `dataset`. Scores every configuration and,
 * unless ensembling is off, every pair's probability-averaged ensemble (written to ensembles/<id>/), on the
 * cross-validation foreground Dice; writes inference_information.json and inference_instructions.txt.
 */
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { findBest } from './find-best.js';
import { crossvalInputs, datasetInputs } from './inputs.js';
import { paramsSchema, type FindBestParams } from './params.js';

async function run(ctx: ActionContext<FindBestParams>) {
  const { datasetJson, datasetName, references } = await datasetInputs(ctx.input('dataset'));
  const crossvals = await crossvalInputs(ctx.inputs.evaluate ?? []);
  const { best, all } = await findBest({ crossvals, datasetJson, datasetName, references, outDir: ctx.outDir, ensembling: ctx.params.ensembling, log: ctx.log });
  return {
    metrics: {
      best: best.id,
      best_configurations: best.members.map((m) => m.configuration),
      mean_fg_dice: best.score,
      all: Object.fromEntries(all.map((c) => [c.id, c.score])),
    },
  };
}

export const findBestKind: NodeKind<FindBestParams> = {
  kind: 'find-best',
  version: '2',
  description: 'choose the best configuration or pairwise ensemble on cross-validation foreground Dice',
  params: paramsSchema,
  inputs: {
    dataset: { description: 'the raw reference labels', required: true },
    evaluate: { description: "each configuration's cross-validation summary" },
  },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  run,
};
