/**
 * One training iteration (forward with deep supervision, DS-weighted loss, backward, clip 12, SGD step) and one
 * validation iteration (DS loss + pseudo-Dice counts), both on channels-last tensors built from a loader batch.
 * Results are read back with `await data()`: WebGPU in Node has no synchronous read, and a training step there reads
 * back only its loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../ops/gradients.js';
import type { UNet } from '../unet/index.js';
import { clipGradNorm, clipGradNormOnDevice, type Optimizer } from '../optim/index.js';
import { deepSupervisionLoss, labelsToRegions, segmentationLoss, targetPyramid, type LossConfig } from '../loss/index.js';
import { channelsFirstToLast } from './layout.js';
import { accumulateCounts, type DiceCounts } from './pseudo-dice.js';
import { throwOnGpuError } from '../webgpu/errors.js';

export interface LoaderBatch {
  data: Float32Array;
  seg: Int16Array | Float32Array;
  dataShape: number[];
  segShape: number[];
}

export interface StepSetup {
  loss: LossConfig;
  /** region label sets when training on regions */
  regionSets: number[][] | null;
  /** spatial scale of each deep-supervision output */
  scales: number[][];
  weights: number[];
  gradClip: number;
  /** clip without reading the gradient norm back (the webgpu backend); default false, the host's exact clipping */
  onDevice?: boolean;
}

interface BatchTensors {
  x: tf.Tensor;
  targets: tf.Tensor[];
  /** full-resolution channels-last target for the pseudo Dice */
  target: Float32Array;
}

function toTensors(batch: LoaderBatch, s: StepSetup): BatchTensors {
  const x = channelsFirstToLast(batch.data, batch.dataShape);
  let seg = channelsFirstToLast(batch.seg, batch.segShape);
  if (s.regionSets) {
    const nc = s.regionSets.length + (s.loss.ignoreLabel === null ? 0 : 1);
    seg = { data: labelsToRegions(seg.data, s.regionSets, s.loss.ignoreLabel), shape: [...seg.shape.slice(0, -1), nc] };
  }
  const pyramid = targetPyramid(seg, s.scales);
  return {
    x: tf.tensor(x.data, x.shape),
    targets: pyramid.map((t) => tf.tensor(t.data, t.shape)),
    target: seg.data,
  };
}

function dsLoss(outputs: tf.Tensor[], targets: tf.Tensor[], s: StepSetup): tf.Scalar {
  return deepSupervisionLoss(outputs, targets, s.weights, (o, t) => segmentationLoss(o, t, s.loss));
}

/** Returns the training loss of this batch. */
export async function trainStep(net: UNet, opt: Optimizer, batch: LoaderBatch, s: StepSetup, lr: number): Promise<number> {
  const t = toTensors(batch, s);
  const vars = net.params.map((p) => p.variable);
  try {
    const { value, grads } = tf.variableGrads(() => dsLoss(net.apply(t.x, { deepSupervision: true }), t.targets, s), vars);
    // tfjs leaves out variables the loss does not reach (the zero-weighted deep-supervision head): torch's None
    const ordered = vars.map((v) => grads[v.name] ?? null);
    const clipped = s.onDevice ? clipGradNormOnDevice(ordered, s.gradClip) : clipGradNorm(ordered, s.gradClip).grads;
    opt.step(clipped, lr);
    const owned = (list: (tf.Tensor | null)[]) => list.filter((g): g is tf.Tensor => g !== null);
    tf.dispose([...owned(ordered), ...(clipped === ordered ? [] : owned(clipped))]);
    try {
      const loss = (await value.data())[0];
      throwOnGpuError('a training step');
      return loss;
    } finally {
      value.dispose();
    }
  } finally {
    tf.dispose([t.x, ...t.targets]);
  }
}

/** Returns the validation loss of this batch and adds its TP/FP/FN into `counts`. */
export async function validationStep(net: UNet, batch: LoaderBatch, s: StepSetup, counts: DiceCounts): Promise<number> {
  const t = toTensors(batch, s);
  const kept: tf.Tensor[] = [t.x, ...t.targets];
  try {
    const [loss, top] = tf.tidy(() => {
      const outputs = net.apply(t.x, { deepSupervision: true });
      return [dsLoss(outputs, t.targets, s), outputs[0]];
    });
    kept.push(loss, top);
    const [lossValue, logits] = await Promise.all([loss.data(), top.data()]);
    throwOnGpuError('a validation step');
    accumulateCounts(logits as Float32Array, top.shape[top.rank - 1], t.target, { regions: s.regionSets !== null, ignoreLabel: s.loss.ignoreLabel }, counts);
    return lossValue[0];
  } finally {
    tf.dispose(kept);
  }
}
