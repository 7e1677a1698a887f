// spec §6.2-6.5 (+ §7 cascade input): one image through preprocessing, every fold's sliding window, and export.
import { NodeError } from '../../src/engine/errors.js';
import type { Shape3, Volume } from '../../src/imaging/volume.js';
import { appendOneHot } from '../../src/nn/data/transforms/cascade.js';
import { addInto } from '../../src/nn/predict/labels.js';
import { predictSlidingWindowAsync, type SlidingWindowOptions } from '../../src/nn/predict/sliding-window.js';
import { preprocessCase, type CaseProperties } from '../preprocess/preprocess-case.js';
import { allLabels } from '../preprocess/label-targets.js';
import { exportPrediction, type ExportedPrediction } from './export-prediction.js';
import type { FoldNetwork, Model } from './model.js';

export interface PredictOptions {
  /** test-time mirroring (default true) */
  tta?: boolean;
  stepSize?: number;
  saveProbabilities?: boolean;
}

/** The preprocessed input the networks see: image channels, plus one-hot previous-stage labels for a cascade. */
export interface NetworkInput {
  data: Float32Array;
  channels: number;
  shape: Shape3;
  properties: CaseProperties;
}

/**
 * Cascade (spec §6.2, §7): the previous stage's segmentation goes through the same transpose/crop/resampling as a
 * label map and is appended as one channel per foreground label (1/0; the -1 outside-mask marker is all zeros).
 */
export function prepareInput(image: Volume, previousStage: Volume | null, model: Model): NetworkInput {
  const expected = model.config.normalization_schemes.length;
  if (image.channels !== expected) {
    throw new NodeError('PREDICT_CASE_CHANNELS', `the image files hold ${image.channels} channel(s), the model takes ${expected}`);
  }
  const isCascade = model.config.previous_stage !== undefined;
  if (isCascade && !previousStage) {
    throw new NodeError('PREDICT_MISSING_PREVIOUS_STAGE',
      `configuration ${model.configuration} is a cascade stage: give the ${model.config.previous_stage} predictions`);
  }
  const pre = preprocessCase(image, isCascade ? previousStage : null, model.plans, model.configuration, model.datasetJson);
  const [C, ...shape] = pre.shape;
  const input = { data: pre.data, channels: C, shape: shape as Shape3, properties: pre.properties };
  return isCascade && pre.seg ? withPreviousStage(input, pre.seg, model) : input;
}

/** The previous stage's label map on the input's grid, appended as one channel per foreground label. */
export function withPreviousStage(input: NetworkInput, seg: ArrayLike<number>, model: Model): NetworkInput {
  const labels = allLabels(model.datasetJson.labels).filter((l) => l !== 0);
  return { ...input, data: appendOneHot(input.data, input.channels, seg, labels), channels: input.channels + labels.length };
}

/**
 * Logits (K, ...shape) on the preprocessed grid, averaged over folds as logits (spec §6.3). The network's output is
 * read back asynchronously: the webgpu backend (Node and the browser page, src/web) has no synchronous read.
 * `onBatch` sees every network batch of every fold, numbered over the whole case.
 */
export async function predictLogitsAsync(input: NetworkInput, model: Model, opts: PredictOptions = {},
  onBatch?: (done: number, total: number) => void): Promise<Float32Array> {
  const n = model.networks.length;
  // one fold's logits at a time: memory stays at two logit volumes whatever the number of folds
  return foldMean(model, model.networks.map((net, f) => () => predictSlidingWindowAsync(caseArray(input), net.predictor,
    windowOptions(model, net, opts), (done, total) => onBatch?.(f * total + done, n * total))));
}

const caseArray = (input: NetworkInput) => ({ data: input.data, channels: input.channels, shape: input.shape });

function windowOptions(model: Model, net: FoldNetwork, opts: PredictOptions): SlidingWindowOptions {
  const patch = model.config.patch_size;
  return {
    patchSize: patch,
    numClasses: model.numClasses,
    mirrorAxes: opts.tta === false ? null : net.mirrorAxes ?? patch.map((_, i) => i),
    stepSize: opts.stepSize,
  };
}

/** The mean of the folds' logits, each computed when its turn comes. */
async function foldMean(model: Model, folds: Array<() => Promise<Float32Array>>): Promise<Float32Array> {
  let sum: Float32Array | null = null;
  for (const logits of folds) {
    if (sum === null) sum = await logits();
    else addInto(sum, await logits());
  }
  if (sum === null) throw new NodeError('PREDICT_NO_FOLDS', 'the model has no fold networks');
  if (folds.length > 1) for (let i = 0; i < sum.length; i++) sum[i] /= folds.length;
  return sum;
}

export async function predictImage(image: Volume, model: Model, opts: PredictOptions = {},
  previousStage: Volume | null = null): Promise<ExportedPrediction & { properties: CaseProperties }> {
  const input = prepareInput(image, previousStage, model);
  const logits = await predictLogitsAsync(input, model, opts);
  const exported = exportPrediction(logits, model.numClasses, input.shape, input.properties, model.plans, model.config,
    model.handling, opts.saveProbabilities === true);
  return { ...exported, properties: input.properties };
}
