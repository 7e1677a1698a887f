/**
 * One training iteration (forward with deep supervision, DS-weighted loss, backward, clip 12, SGD step) and one
 * validation iteration (DS loss + pseudo-Dice counts), both on channels-last tensors built from a loader batch.
 * Results are read back with `await data()`: WebGPU in Node has no synchronous read, and a training step there reads
 * back only its loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../ops/gradients.js';
import type { UNet } from '../unet/index.js';
import { clipGradNorm, clipGradNormOnDevice, type GradScaler, type Optimizer } from '../optim/index.js';
import { deepSupervisionLoss, labelsToRegions, segmentationLoss, targetPyramid, type LossConfig } from '../loss/index.js';
import { channelsFirstToLast } from './layout.js';
import { accumulateCounts, type DiceCounts } from './pseudo-dice.js';
import { throwOnGpuError } from '../webgpu/errors.js';
import { submitRecorded, uploadNow } from '../webgpu/queue.js';

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
  /**
   * mixed precision's dynamic loss scale (webgpu with f16 convolutions): the step scales its loss, unscales the
   * gradients, skips itself when they overflowed, and updates the scaler
   */
  scaler?: GradScaler;
}

/** A loader batch as a step's tensors. */
export interface BatchTensors {
  x: tf.Tensor;
  targets: tf.Tensor[];
  /** full-resolution channels-last target for the pseudo Dice */
  target: Float32Array;
}

/** On webgpu the copy to the GPU starts here (tfjs would copy at the first kernel that reads the tensors). */
export function toTensors(batch: LoaderBatch, s: StepSetup): BatchTensors {
  const x = channelsFirstToLast(batch.data, batch.dataShape);
  let seg = channelsFirstToLast(batch.seg, batch.segShape);
  if (s.regionSets) {
    const nc = s.regionSets.length + (s.loss.ignoreLabel === null ? 0 : 1);
    seg = { data: labelsToRegions(seg.data, s.regionSets, s.loss.ignoreLabel), shape: [...seg.shape.slice(0, -1), nc] };
  }
  const pyramid = targetPyramid(seg, s.scales);
  const t = {
    x: tf.tensor(x.data, x.shape),
    targets: pyramid.map((p) => tf.tensor(p.data, p.shape)),
    target: seg.data,
  };
  if (tf.getBackend() === 'webgpu') uploadNow([t.x, ...t.targets]);
  return t;
}

function dsLoss(outputs: tf.Tensor[], targets: tf.Tensor[], s: StepSetup): tf.Scalar {
  return deepSupervisionLoss(outputs, targets, s.weights, (o, t) => segmentationLoss(o, t, s.loss));
}

/** Returns the training loss of this batch. */
export async function trainStep(net: UNet, opt: Optimizer, batch: LoaderBatch, s: StepSetup, lr: number): Promise<number> {
  return trainStepOn(net, opt, toTensors(batch, s), s, lr);
}

/**
 * Returns the training loss of `t`, disposing its tensors. `whileRunning` runs after the step's GPU work has been
 * submitted and before its loss is read back: the loop makes the next batch's tensors there, so their upload
 * overlaps the step instead of following it. It changes no number: the step's inputs are already recorded.
 */
export async function trainStepOn(net: UNet, opt: Optimizer, t: BatchTensors, s: StepSetup, lr: number,
  whileRunning?: () => Promise<void>): Promise<number> {
  const vars = net.params.map((p) => p.variable);
  const scale = s.scaler?.scale ?? 1;
  // the scaled loss and, from a device step, whether its gradients were finite: read back together, once
  let readBack: tf.Tensor;
  let finite = true;
  try {
    const r = tf.variableGrads(() => {
      const loss = dsLoss(net.apply(t.x, { deepSupervision: true }), t.targets, s);
      return scale === 1 ? loss : tf.mul(loss, scale);
    }, vars);
    // tfjs leaves out variables the loss does not reach (the zero-weighted deep-supervision head): torch's None
    const ordered = vars.map((v) => r.grads[v.name] ?? null);
    let clipped: (tf.Tensor | null)[];
    if (s.onDevice) {
      const c = clipGradNormOnDevice(ordered, s.gradClip, s.scaler ? 1 / scale : undefined);
      clipped = c.grads;
      opt.step(clipped, lr, c.finite ?? undefined);
      readBack = r.value;
      if (c.finite) {
        const flag = c.finite;
        readBack = tf.tidy(() => tf.stack([r.value, tf.cast(flag, 'float32')]));
        tf.dispose([r.value, flag]);
      }
    } else {
      const c = clipGradNorm(ordered, s.gradClip, 1 / scale);
      clipped = c.grads;
      finite = Number.isFinite(c.norm);
      if (finite || !s.scaler) opt.step(clipped, lr);
      readBack = r.value;
    }
    const owned = (list: (tf.Tensor | null)[]) => list.filter((g): g is tf.Tensor => g !== null);
    tf.dispose([...owned(ordered), ...(clipped === ordered ? [] : owned(clipped))]);
  } finally {
    tf.dispose([t.x, ...t.targets]);
  }
  try {
    if (whileRunning) {
      if (tf.getBackend() === 'webgpu') submitRecorded();
      await whileRunning();
    }
    const values = await readBack.data();
    throwOnGpuError('a training step');
    if (s.onDevice && s.scaler) finite = values[1] === 1;
    s.scaler?.update(finite);
    // the scale is a power of two: dividing it out is exact
    return values[0] / scale;
  } finally {
    readBack.dispose();
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
