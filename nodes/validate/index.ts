/**
 * Kind `validate` (spec §5.9): after train-fold, predict the fold's validation cases and evaluate them.
 * Needs: train (the fold's train-fold output), split (splits_final.json), preprocess (per-case artifacts of the
 * configuration), dataset (raw label paths); or, with the `preprocessed` param, only train (a folder in nnU-Net's
 * preprocessed layout gives the rest, gt_segmentations/ the references). A cascade stage also previous_stage (artifacts holding
 * predicted_next_stage/<configuration>/, e.g. the previous stage's gathered validation outputs).
 * Output: validation/<case><ending>, validation/summary.json and, with save_probabilities, validation/<case>.npz +
 * <case>.json; for a stage with next_stage also predicted_next_stage/<next>/<case>.npy (spec §5.9).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { readCaseListing } from '../dataset/listing.js';
import { foldCases, fromFolder as preprocessedFolder } from '../train-fold/inputs.js';
import { paramsSchema, type ValidateParams } from './params.js';
import { collectNextStageSegs } from './next-stage.js';
import { validateFold, type ValidationCase } from './validate-fold.js';

/** A fold's validation cases: preprocessed data and raw reference per case id. */
interface FoldCases { ids: string[]; preprocessed: Map<string, string>; references: Map<string, string> }

/** From a pipeline: the split artifact, one preprocess artifact per case, the dataset's raw labels. */
async function fromPipeline(ctx: ActionContext<ValidateParams>): Promise<FoldCases> {
  const { configuration, fold } = ctx.params;
  const splits = JSON.parse(await readFile(join(ctx.input('split').dir, 'splits_final.json'), 'utf8')) as Array<{ val: string[] }>;
  if (!splits[fold]) throw new NodeError('VALIDATE_NO_FOLD', `splits_final.json has ${splits.length} folds, no fold ${fold}`, { node: ctx.actionId });
  const listing = await readCaseListing(ctx.input('dataset').dir);
  return {
    ids: splits[fold].val,
    references: new Map(listing.training.map((c) => [c.id, c.label])),
    preprocessed: new Map((ctx.inputs.preprocess ?? [])
      .filter((a) => a.item && (a.matrix.configuration === undefined || a.matrix.configuration === configuration))
      .map((a) => [a.item!.id, a.dir])),
  };
}

/**
 * From a preprocessed folder in nnU-Net's layout (`nnunet preprocess`): the fold as train-fold reads it, references
 * from gt_segmentations/, as nnU-Net's final validation evaluates against them.
 */
async function fromFolder(dir: string, configuration: string, fold: number): Promise<FoldCases> {
  const data = await preprocessedFolder(dir, configuration);
  const { val } = foldCases(data, fold);
  const gt = join(dir, 'gt_segmentations');
  return {
    ids: val.map((c) => c.id),
    preprocessed: new Map(val.map((c) => [c.id, c.dir])),
    references: new Map(val.map((c) => [c.id, join(gt, c.id + data.datasetJson.file_ending)]).filter(([, f]) => existsSync(f)) as Array<[string, string]>),
  };
}

async function run(ctx: ActionContext<ValidateParams>) {
  const { configuration, fold } = ctx.params;
  const { ids, preprocessed, references: labels } = ctx.params.preprocessed
    ? await fromFolder(resolve(ctx.params.preprocessed), configuration, fold) : await fromPipeline(ctx);
  const missing = ids.filter((id) => !preprocessed.has(id) || !labels.has(id));
  if (missing.length > 0) {
    throw new NodeError('VALIDATE_MISSING_CASES', `fold ${fold}: no preprocessed data or label for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5})` : ''}`,
      { node: ctx.actionId }, { issues: missing.map((id) => ({ code: 'VALIDATE_MISSING_CASES', item: id, message: `no preprocessed data or label for ${id}` })) });
  }
  const roots = [...(ctx.params.previous_stage_dirs ?? []), ...(ctx.inputs.previous_stage ?? []).map((a) => a.dir)];
  const previous = await collectNextStageSegs(roots, configuration, 'VALIDATE_PREVIOUS_STAGE_DUPLICATE');
  const cases: ValidationCase[] = ids.map((id) => ({
    id, preprocessedDir: preprocessed.get(id)!, reference: labels.get(id)!, previousStage: previous.get(id),
  }));
  const summary = await validateFold({
    checkpointDir: join(ctx.input('train').dir, ctx.params.checkpoint), cases, outDir: ctx.outDir,
    saveProbabilities: ctx.params.save_probabilities, tta: ctx.params.tta, signal: ctx.signal, progress: ctx.progress,
  });
  return {
    metrics: {
      mean_fg_dice: summary.foreground_mean.Dice,
      dice: Object.fromEntries(Object.entries(summary.mean).map(([k, m]) => [k, m.Dice])),
      cases: cases.length,
    },
  };
}

export const validate: NodeKind<ValidateParams> = {
  kind: 'validate',
  version: '3',
  description: "a fold's final validation: predict its validation cases (sliding window, mirroring), export, evaluate",
  params: paramsSchema,
  inputs: {
    train: { description: 'the trained fold', required: true },
    split: { description: 'splits_final.json' },
    dataset: { description: 'the raw reference labels' },
    preprocess: { description: 'the preprocessed validation cases' },
    previous_stage: { description: "a cascade's lowres predictions of the validation cases" },
  },
  // the network runs on the process's one tfjs backend: one such action at a time, like training
  // a cluster job: sliding-window inference threads
  resources: { accelerator: true, job: { cpus: 2 } },
  externalInputs: (p) => [...(p.preprocessed ? [p.preprocessed] : []), ...(p.previous_stage_dirs ?? [])],
  run,
};
