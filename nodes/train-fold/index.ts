/**
 * Kind `train-fold` (spec §5): trains one configuration on one fold with nnU-Net's recipe, in a worker thread.
 * Needs (pipeline form): plan, split, dataset, preprocess (one artifact per case); or the `preprocessed` param.
 * A cascade stage (3d_cascade_fullres) also needs previous_stage: artifacts holding predicted_next_stage/<configuration>/
 * for every case (the previous stage's validation outputs of all folds, e.g. gathered by a predicted-next-stage node).
 * Output: checkpoint_final/, checkpoint_best/, training_log.json, progress.svg, debug.json; epoch times go to the
 * action record's `timings`, not the output.
 * Checkpoints live in the action's scratch folder while training, so an interrupted run resumes there.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NodeError, type ActionContext, type NodeKind } from '../../src/engine/index.js';
import { trainInWorker, type TrainConfig } from '../../src/nn/train/index.js';
import { resolveConfiguration } from '../plan/resolve.js';
import { foldCases, fromFolder, fromPipeline, withPreviousStage } from './inputs.js';
import { paramsSchema, type TrainFoldParams } from './params.js';

/** A checkpoint folder, or a train-fold output / nnU-Net fold folder holding checkpoint_final/. */
function checkpointFolder(path: string): string {
  if (existsSync(join(path, 'manifest.json'))) return path;
  if (existsSync(join(path, 'checkpoint_final', 'manifest.json'))) return join(path, 'checkpoint_final');
  throw new NodeError('TRAIN_INIT_FROM_INVALID', `init_from ${path} is neither a checkpoint folder nor a folder holding checkpoint_final/`, { file: path });
}

function initFrom(ctx: ActionContext<TrainFoldParams>): string | null {
  const p = ctx.params.init_from;
  if (p === null) return null;
  if (p !== 'previous') return checkpointFolder(resolve(p));
  if (!ctx.previous) {
    ctx.log('init_from previous: no earlier result of this action, training from scratch');
    return null;
  }
  return checkpointFolder(ctx.previous.dir);
}

async function run(ctx: ActionContext<TrainFoldParams>) {
  const p = ctx.params;
  const data = p.preprocessed ? await fromFolder(resolve(p.preprocessed), p.configuration) : await fromPipeline(ctx);
  const configurationPlan = resolveConfiguration(data.plans, p.configuration);
  const { train, val } = await withPreviousStage(foldCases(data, p.fold), [...(p.previous_stage_dirs ?? []), ...(ctx.inputs.previous_stage ?? []).map((a) => a.dir)], p.configuration,
    configurationPlan.previous_stage, ctx.actionId);
  const config: TrainConfig = {
    configuration: p.configuration,
    fold: p.fold,
    plans: data.plans,
    configurationPlan,
    datasetJson: data.datasetJson,
    trainCases: train,
    valCases: val,
    epochs: p.epochs,
    iterationsPerEpoch: p.iterations_per_epoch,
    valIterations: p.val_iterations,
    seed: p.seed,
    checkpointEvery: p.checkpoint_every,
    batchSize: p.batch_size ?? undefined,
    patchSize: p.patch_size ?? undefined,
    scratchDir: ctx.scratchDir,
    outDir: ctx.outDir,
    initFrom: initFrom(ctx),
    loaderWorkers: p.loader_workers ?? undefined,
  };
  ctx.log(`training ${p.configuration} fold ${p.fold}: ${train.length} training / ${val.length} validation cases, ${p.epochs} epochs x ${p.iterations_per_epoch} iterations`);
  const result = await trainInWorker(config, {
    progress: (pr) => ctx.progress(pr),
    log: ctx.log,
    signal: ctx.signal,
  });
  return {
    metrics: {
      epochs: result.epochs,
      ema_fg_dice: result.emaFgDice,
      best_ema_fg_dice: result.bestEma,
      pseudo_dice: result.pseudoDice,
      seed: result.seed,
    },
    // clock readings stay out of the output, so a seeded CPU rerun gives the same bytes
    timings: { epoch_time_s: result.epochTimes },
  };
}

// nnU-Net's data augmentation keeps a GPU busy with a handful of worker processes
const DEFAULT_JOB_LOADER_WORKERS = 4;

export const trainFold: NodeKind<TrainFoldParams> = {
  kind: 'train-fold',
  version: '1',
  description: "nnU-Net's trainer for one configuration and fold: PlainConvUNet/ResEnc, DC+CE with deep supervision, SGD poly schedule",
  params: paramsSchema,
  inputs: {
    plan: { description: 'the plans' },
    dataset: { description: 'the dataset (its dataset.json when the plans carry none)' },
    split: { description: 'splits_final.json' },
    preprocess: { description: 'the preprocessed cases' },
    previous_stage: { description: "a cascade's lowres predictions of every case" },
  },
  // a cluster job asks for the loader's workers plus the training thread, and a GPU where the partition has them
  resources: { accelerator: true, job: (p) => ({ cpus: (p.loader_workers ?? DEFAULT_JOB_LOADER_WORKERS) + 1, gpus: 1 }) },
  externalInputs: (p) => [p.preprocessed, p.init_from !== 'previous' ? p.init_from : null, ...(p.previous_stage_dirs ?? [])].filter((x): x is string => x !== null),
  run,
};
