/**
 * nnUNetTrainer's run_training: epochs of training iterations then validation iterations, per-epoch pseudo Dice
 * and its EMA, best/latest/final checkpoints, resume from the scratch folder, init from another checkpoint. A cascade
 * stage (previous_stage) trains on C + K input channels: the image plus the previous stage's one-hot segmentation.
 */
import { pyJsonStringify } from '../../util/py-json.js';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AbortedError, NnunetError } from '../../engine/errors.js';
import { netOps } from '../ops/index.js';
import { networkSpec, UNet, type PlansArchitecture } from '../unet/index.js';
import { GradScaler, NesterovSgd, polyLr, type Optimizer } from '../optim/index.js';
import { describeTuning, tunePendingConvs } from '../webgpu/conv-tuner.js';
import { needsLossScaling } from '../webgpu/precision.js';
import { DeviceNesterovSgd } from '../webgpu/sgd.js';
import { deepSupervisionScales, deepSupervisionWeights, labelSetup } from '../loss/index.js';
import { configureAugmentation, createBatchLoader, type BatchLoader } from '../data/index.js';
import { assignWeights, readCheckpoint, saveCheckpoint, type CheckpointMeta } from '../checkpoint.js';
import { TRAINING, type TrainConfig } from './config.js';
import { finiteOrNull, withEpochTimes, type EpochLog, type EpochTimes, type TimedEpochLog } from './log.js';
import { progressSvg } from './progress-svg.js';
import { emaUpdate, emptyCounts, nanMean, pseudoDice } from './pseudo-dice.js';
import { toTensors, trainStepOn, validationStep, type BatchTensors, type StepSetup } from './step.js';

export interface TrainHooks {
  progress(p: { done: number; total: number; message: string; metrics: Record<string, number> }): void;
  log(message: string): void;
  /** polled between iterations */
  aborted(): boolean;
}

export interface TrainResult {
  epochs: number;
  /** last epoch's pseudo Dice per foreground class / region */
  pseudoDice: (number | null)[];
  emaFgDice: number | null;
  bestEma: number | null;
  seed: number;
  /** wall time of each epoch, resumed segments included (null where an earlier segment's time was lost) */
  epochTimes: EpochTimes;
}

const CHECKPOINTS = ['checkpoint_final', 'checkpoint_latest', 'checkpoint_best'] as const;
/** The epoch times the scratch folder's (timed) training_log.json kept, for a resumed run. */
async function readEpochTimes(scratchDir: string): Promise<EpochTimes> {
  try {
    return (JSON.parse(await readFile(join(scratchDir, 'training_log.json'), 'utf8')) as TimedEpochLog[]).map((e) => e.epoch_time_s ?? null);
  } catch {
    return [];
  }
}

export class TrainError extends NnunetError {}

/**
 * The seed of one batch stream (training or validation). A resumed run continues the same stream at the batch
 * where it stopped, so a run interrupted any number of times ends with the bytes of an uninterrupted one.
 */
function loaderSeed(seed: number, stream: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  // the 0 was the segment's start epoch once; kept, so seeds (and outputs) stay those of earlier versions
  for (const v of [0, stream]) h = (Math.imul(h ^ v, 0x85ebca6b) + 0x6b43a9b5) >>> 0;
  return h;
}

export async function runTraining(cfg: TrainConfig, hooks: TrainHooks): Promise<TrainResult> {
  const plan = cfg.configurationPlan;
  const labels = labelSetup(cfg.datasetJson.labels);
  // spec §7: a cascade stage sees the previous stage's segmentation as one extra channel per foreground label
  const previousStageLabels = plan.previous_stage ? labels.allLabels.filter((l) => l !== 0) : undefined;
  if (previousStageLabels) {
    const missing = [...cfg.trainCases, ...cfg.valCases].filter((c) => !c.previousStage).map((c) => c.id);
    if (missing.length > 0) {
      throw new TrainError('TRAIN_PREVIOUS_STAGE_MISSING', `${cfg.configuration} needs the ${plan.previous_stage} segmentation of every case; missing for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (+${missing.length - 5} more)` : ''}`);
    }
  }
  const inputChannels = plan.normalization_schemes.length + (previousStageLabels?.length ?? 0);
  const spec = networkSpec(plan.architecture as PlansArchitecture, inputChannels, labels.numOutputs);
  const patchSize = cfg.patchSize ?? plan.patch_size;
  const batchSize = cfg.batchSize ?? plan.batch_size;
  if (patchSize.length !== spec.dim) throw new TrainError('TRAIN_PATCH_INVALID', `patch size [${patchSize}] does not match the ${spec.dim}D network`);
  let seed = cfg.seed ?? Math.floor(Math.random() * 2 ** 31);
  const aug = configureAugmentation(patchSize, { useMaskForNorm: plan.use_mask_for_norm });
  const setup: StepSetup = {
    loss: { batchDice: plan.batch_dice, ignoreLabel: labels.ignoreLabel, regions: labels.regions !== null },
    regionSets: labels.regions,
    scales: deepSupervisionScales(spec.strides),
    weights: deepSupervisionWeights(spec.features.length - 1),
    gradClip: TRAINING.gradClip,
    // on the GPU a step keeps weights, gradients and momentum in device memory and reads back only its loss
    onDevice: tf.getBackend() === 'webgpu',
  };
  // f16 convolutions (webgpu's mixed precision): torch's GradScaler, as nnU-Net trains under autocast
  if (setup.onDevice && needsLossScaling()) setup.scaler = new GradScaler();
  const prefetch = cfg.prefetch ?? setup.onDevice === true;

  const net = new UNet(spec, seed);
  const sgd = { momentum: TRAINING.momentum, weightDecay: TRAINING.weightDecay, nesterov: true };
  const vars = net.params.map((p) => p.variable);
  const opt: Optimizer = setup.onDevice ? new DeviceNesterovSgd(vars, sgd) : new NesterovSgd(vars, sgd);
  let startEpoch = 0;
  let resumed: CheckpointMeta['interrupted'];
  let log: EpochLog[] = [];
  let epochTimes: EpochTimes = [];
  let bestEma: number | null = null;
  let ema: number | null = null;
  const loaders: BatchLoader[] = [];
  // the next training batch, made while the current step runs (TrainConfig.prefetch)
  const taken: { ahead: BatchTensors | null } = { ahead: null };
  try {
    await mkdir(cfg.scratchDir, { recursive: true });
    const resumeFrom = CHECKPOINTS.map((n) => join(cfg.scratchDir, n)).find((d) => existsSync(join(d, 'manifest.json')));
    if (resumeFrom) {
      const ck = await readCheckpoint(resumeFrom);
      assignWeights(net, ck.weights, resumeFrom);
      if (ck.optimizer) opt.load({ buffers: ck.optimizer });
      else hooks.log(`${resumeFrom} holds no optimizer state: momentum restarts from zero`);
      if (setup.scaler && ck.manifest.gradScaler) setup.scaler.load(ck.manifest.gradScaler, join(resumeFrom, 'manifest.json'));
      startEpoch = ck.manifest.currentEpoch;
      resumed = ck.manifest.interrupted;
      log = ck.manifest.log;
      epochTimes = (await readEpochTimes(cfg.scratchDir)).slice(0, startEpoch);
      bestEma = ck.manifest.bestEma;
      ema = ck.manifest.ema;
      // an unseeded run keeps the seed it drew first, so its record stays one seed
      if (cfg.seed === null && typeof ck.manifest.info.seed === 'number') seed = ck.manifest.info.seed;
      hooks.log(`resuming from ${resumeFrom} at epoch ${startEpoch}${resumed ? `, iteration ${resumed.iteration}` : ''}`);
    } else if (cfg.initFrom) {
      const ck = await readCheckpoint(cfg.initFrom);
      assignWeights(net, ck.weights, cfg.initFrom, (name) => name.includes('.seg_layers.'));
      hooks.log(`initialised from ${cfg.initFrom} (segmentation heads excluded)`);
    }
    const meta = (currentEpoch: number): CheckpointMeta => ({
      configuration: cfg.configuration, fold: cfg.fold, plans: cfg.plans, configurationPlan: plan, datasetJson: cfg.datasetJson,
      inputChannels, numOutputs: labels.numOutputs, currentEpoch, bestEma, ema, log, mirrorAxes: aug.mirrorAxes,
      info: { seed, netops: netOps().name, batch_size: batchSize, patch_size: patchSize },
      ...(setup.scaler ? { gradScaler: setup.scaler.state() } : {}),
    });
    // the scratch copy carries the epoch times the output leaves out (people watching a run, and a resume read them)
    const writeLogs = async (dir: string, timed: boolean) => {
      await writeFile(join(dir, 'training_log.json'), JSON.stringify(timed ? withEpochTimes(log, epochTimes) : log, null, 1));
      await writeFile(join(dir, 'progress.svg'), progressSvg(log, timed ? epochTimes : undefined));
    };

    // webgpu's conv tuner times the shapes the first steps met, between steps (a no-op elsewhere)
    const tuneConvs = async (): Promise<void> => {
      const timed = await tunePendingConvs();
      if (timed.length > 0) hooks.log(describeTuning(timed));
    };

    if (startEpoch < cfg.epochs) {
      const common = {
        patchSize, batchSize, oversampleForeground: TRAINING.oversampleForeground, config: aug, workers: cfg.loaderWorkers,
        ignoreLabel: labels.ignoreLabel ?? undefined, previousStageLabels,
      };
      const train = createBatchLoader({ ...common, cases: cfg.trainCases, augment: true, seed: loaderSeed(seed, 0),
        firstIndex: startEpoch * cfg.iterationsPerEpoch + (resumed?.iteration ?? 0) });
      loaders.push(train);
      const val = createBatchLoader({ ...common, cases: cfg.valCases, augment: false, seed: loaderSeed(seed, 1), firstIndex: startEpoch * cfg.valIterations });
      loaders.push(val);
      const total = cfg.epochs * cfg.iterationsPerEpoch;
      for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
        const t0 = performance.now();
        const lr = polyLr(TRAINING.initialLr, epoch, cfg.epochs, TRAINING.polyExponent);
        const from = epoch === startEpoch ? resumed : undefined;
        let trainLoss = from?.trainLossSum ?? 0;
        for (let it = from?.iteration ?? 0; it < cfg.iterationsPerEpoch; it++) {
          if (hooks.aborted()) {
            // a resume continues at this very iteration, with the same weights, momentum and batches
            await saveCheckpoint(join(cfg.scratchDir, 'checkpoint_latest'), net, opt, { ...meta(epoch), interrupted: { iteration: it, trainLossSum: trainLoss } });
            throw new AbortedError(`training stopped in epoch ${epoch} at iteration ${it}; checkpoint_latest kept for resume`);
          }
          const batch = taken.ahead ?? toTensors(await train.next(), setup);
          taken.ahead = null;
          // within an epoch only, so no checkpoint falls between taking a batch and training on it; an abort drops the
          // batch taken ahead and the resume redraws it (the loader draws by index)
          const ahead = prefetch && it + 1 < cfg.iterationsPerEpoch
            ? async () => { taken.ahead = toTensors(await train.next(), setup); } : undefined;
          const loss = await trainStepOn(net, opt, batch, setup, lr, ahead);
          await tuneConvs();
          trainLoss += loss;
          hooks.progress({ done: epoch * cfg.iterationsPerEpoch + it + 1, total, message: `epoch ${epoch + 1}/${cfg.epochs}`, metrics: ema === null ? { loss } : { loss, dice: ema } });
        }
        const counts = emptyCounts(labels.regions ? labels.numOutputs : labels.numOutputs - 1);
        let valLoss = 0;
        for (let it = 0; it < cfg.valIterations; it++) {
          valLoss += await validationStep(net, await val.next(), setup, counts);
          await tuneConvs();
        }
        const dice = pseudoDice(counts);
        const mean = nanMean(dice);
        // a NaN epoch (no foreground seen nor predicted) leaves the EMA as it was instead of poisoning it
        if (!Number.isNaN(mean)) ema = emaUpdate(ema, mean);
        log.push({
          epoch, train_loss: trainLoss / cfg.iterationsPerEpoch, val_loss: cfg.valIterations ? valLoss / cfg.valIterations : NaN,
          pseudo_dice: dice.map(finiteOrNull), mean_fg_dice: finiteOrNull(mean), ema_fg_dice: ema, lr,
        });
        const seconds = (performance.now() - t0) / 1000;
        epochTimes[epoch] = seconds;
        const e = log[log.length - 1];
        const skipped = setup.scaler?.takeSkipped() ?? 0;
        const amp = setup.scaler ? ` loss scale ${setup.scaler.scale}${skipped ? ` (${skipped} overflowing step${skipped > 1 ? 's' : ''} skipped)` : ''}` : '';
        hooks.log(`epoch ${epoch}: train_loss ${e.train_loss.toFixed(4)} val_loss ${e.val_loss.toFixed(4)} pseudo dice [${dice.map((d) => d.toFixed(4)).join(', ')}] ema ${ema?.toFixed(4)} lr ${lr.toExponential(3)}${amp} ${seconds.toFixed(1)} s`);
        await writeLogs(cfg.scratchDir, true);
        if (ema !== null && (bestEma === null || ema > bestEma)) {
          bestEma = ema;
          await saveCheckpoint(join(cfg.scratchDir, 'checkpoint_best'), net, opt, meta(epoch + 1));
          hooks.log(`new best EMA pseudo Dice ${ema.toFixed(4)}`);
        }
        if ((epoch + 1) % cfg.checkpointEvery === 0 && epoch !== cfg.epochs - 1) {
          await saveCheckpoint(join(cfg.scratchDir, 'checkpoint_latest'), net, opt, meta(epoch + 1));
        }
      }
      await saveCheckpoint(join(cfg.scratchDir, 'checkpoint_final'), net, opt, meta(cfg.epochs));
      await rm(join(cfg.scratchDir, 'checkpoint_latest'), { recursive: true, force: true });
    } else if (!existsSync(join(cfg.scratchDir, 'checkpoint_final', 'manifest.json'))) {
      // the process died (or the disk filled) between the last epoch's best checkpoint and the final one: the state
      // just loaded is the final state, and without this every rerun would find nothing to train and nothing to copy
      await saveCheckpoint(join(cfg.scratchDir, 'checkpoint_final'), net, opt, meta(cfg.epochs));
      await rm(join(cfg.scratchDir, 'checkpoint_latest'), { recursive: true, force: true });
    }

    await mkdir(cfg.outDir, { recursive: true });
    await cp(join(cfg.scratchDir, 'checkpoint_final'), join(cfg.outDir, 'checkpoint_final'), { recursive: true });
    if (existsSync(join(cfg.scratchDir, 'checkpoint_best'))) {
      await cp(join(cfg.scratchDir, 'checkpoint_best'), join(cfg.outDir, 'checkpoint_best'), { recursive: true });
    }
    await writeLogs(cfg.outDir, false);
    // nnU-Net's trainer attribute names where it has them, keys sorted and indent 4 as its save_json writes debug.json
    await writeFile(join(cfg.outDir, 'debug.json'), pyJsonStringify({
      trainer: 'nnUNetTrainer', configuration: cfg.configuration, fold: cfg.fold, plans_name: cfg.plans.plans_name,
      seed, netops: netOps().name, tfjs_backend: tf.getBackend(), prefetch, mixed_precision: setup.scaler !== undefined, num_epochs: cfg.epochs,
      current_epoch: cfg.epochs, num_iterations_per_epoch: cfg.iterationsPerEpoch, num_val_iterations_per_epoch: cfg.valIterations,
      batch_size: batchSize, patch_size: patchSize, initial_patch_size: aug.initialPatchSize,
      initial_lr: TRAINING.initialLr, momentum: TRAINING.momentum, weight_decay: TRAINING.weightDecay, poly_lr_exponent: TRAINING.polyExponent,
      grad_clip_norm: TRAINING.gradClip, oversample_foreground_percent: TRAINING.oversampleForeground, enable_deep_supervision: true,
      deep_supervision_scales: setup.scales, deep_supervision_weights: setup.weights, batch_dice: plan.batch_dice,
      network: { ...spec, parameters: net.parameterCount() }, labels, init_from: cfg.initFrom,
      train_cases: cfg.trainCases.length, val_cases: cfg.valCases.length, inference_allowed_mirroring_axes: aug.mirrorAxes,
    }, { sortKeys: () => true, isFloat: (p) => p.length === 1 && ['initial_lr', 'momentum', 'weight_decay', 'poly_lr_exponent', 'oversample_foreground_percent'].includes(p[0]) }));
    const last = log[log.length - 1];
    const times = Array.from({ length: log.length }, (_, i) => epochTimes[i] ?? null);
    return { epochs: cfg.epochs, pseudoDice: last?.pseudo_dice ?? [], emaFgDice: last?.ema_fg_dice ?? null, bestEma, seed, epochTimes: times };
  } finally {
    if (taken.ahead) tf.dispose([taken.ahead.x, ...taken.ahead.targets]);
    await Promise.all(loaders.map((l) => l.close()));
    opt.dispose();
    net.dispose();
  }
}
