/**
 * Kind `evaluate` (spec §8 step 2, §10): the cross-validation result of one configuration. Needs `validate` (its
 * folds). Output: crossval_results_folds_<folds>/ (every fold's validation predictions, probabilities and a merged
 * summary.json) and crossval.json (configuration, folds, model id).
 */
import type { ActionContext, NodeKind } from '../../src/engine/index.js';
import { accumulateCrossval } from './crossval.js';
import { paramsSchema, type EvaluateParams } from './params.js';

async function run(ctx: ActionContext<EvaluateParams>) {
  const { configuration, trainer, plans } = ctx.params;
  const folds = (ctx.inputs.validate ?? [])
    .filter((a) => a.matrix.configuration === undefined || a.matrix.configuration === configuration)
    .map((a) => ({ fold: Number(a.matrix.fold ?? 0), dir: a.dir }));
  const { summary } = await accumulateCrossval(folds, { configuration, trainer, plans }, ctx.outDir);
  return {
    metrics: {
      mean_fg_dice: summary.foreground_mean.Dice,
      dice: Object.fromEntries(Object.entries(summary.mean).map(([k, m]) => [k, m.Dice])),
      cases: summary.metric_per_case.length,
    },
  };
}

export const evaluate: NodeKind<EvaluateParams> = {
  kind: 'evaluate',
  version: '2',
  description: "cross-validation result of a configuration: its folds' validation predictions evaluated together",
  params: paramsSchema,
  inputs: { validate: { description: 'the validated folds to summarize' } },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  run,
};
