/**
 * nnU-Net's training losses on one output scale (weights CE 1 : Dice 1):
 * - labels:  DC_and_CE_loss  = CE(logits, labels; ignore_index) + SoftDice(softmax, do_bg=false)
 * - regions: DC_and_BCE_loss = BCEWithLogits + SoftDice(sigmoid, do_bg=true)
 */
import * as tf from '@tensorflow/tfjs-core';
import { softDiceLoss } from './soft-dice.js';

export interface LossConfig {
  batchDice: boolean;
  /** label value that marks unannotated voxels (labels), or null */
  ignoreLabel: number | null;
  /** region-based training: target channels are binary regions (plus the ignore channel last when ignoreLabel is set) */
  regions: boolean;
}

/**
 * logits [B, ...S, C]. target: labels -> [B, ...S, 1] label values (float); regions -> [B, ...S, R (+1 ignore)] in {0,1}.
 */
export function segmentationLoss(logits: tf.Tensor, target: tf.Tensor, cfg: LossConfig): tf.Scalar {
  // Both losses sum over space, so one flattened spatial axis gives the same value; it keeps every op at rank 3,
  // where tfjs-backend-webgpu's rank-5 broadcasting shaders (which do not compile) are never needed.
  return tf.tidy(() => {
    const flat = (t: tf.Tensor) => tf.reshape(t, [t.shape[0], -1, t.shape[t.rank - 1]]);
    return cfg.regions ? regionLoss(flat(logits), flat(target), cfg) : labelLoss(flat(logits), flat(target), cfg);
  });
}

function labelLoss(logits: tf.Tensor, target: tf.Tensor, cfg: LossConfig): tf.Scalar {
  return tf.tidy(() => {
    const c = logits.shape[logits.rank - 1];
    const labels = tf.squeeze(target, [target.rank - 1]);
    const mask = cfg.ignoreLabel === null ? null : tf.cast(tf.notEqual(labels, cfg.ignoreLabel), 'float32');
    const diceLabels = mask ? tf.mul(labels, mask) : labels; // ignore voxels count as background, then masked out
    // float: tfjs-webgpu's int32 transpose shader does not compile
    const onehot = tf.cast(tf.oneHot(tf.cast(diceLabels, 'int32'), c), 'float32');
    // one log-softmax serves both terms: softmax = exp(log-softmax)
    const logProbs = tf.logSoftmax(logits, -1);
    const dice = softDiceLoss(tf.exp(logProbs), onehot, mask ? tf.expandDims(mask, -1) : null, { batchDice: cfg.batchDice, doBg: false });
    const ceVoxel = tf.neg(tf.sum(tf.mul(onehot, logProbs), -1));
    if (!mask) return tf.add(tf.mean(ceVoxel), dice) as tf.Scalar;
    // nnU-Net skips CE entirely (0) when a batch holds no annotated voxel
    const annotated = tf.sum(mask);
    const ce = tf.div(tf.sum(tf.mul(ceVoxel, mask)), tf.maximum(annotated, 1));
    return tf.add(ce, dice) as tf.Scalar;
  });
}

function regionLoss(logits: tf.Tensor, target: tf.Tensor, cfg: LossConfig): tf.Scalar {
  return tf.tidy(() => {
    const r = logits.shape[logits.rank - 1];
    let regions = target;
    let mask: tf.Tensor | null = null;
    if (cfg.ignoreLabel !== null) {
      const last = target.rank - 1;
      const size = [...target.shape];
      size[last] = r;
      regions = tf.slice(target, new Array(target.rank).fill(0), size);
      const begin = new Array(target.rank).fill(0);
      begin[last] = r;
      size[last] = 1;
      mask = tf.sub(1, tf.slice(target, begin, size));
    }
    const dice = softDiceLoss(tf.sigmoid(logits), regions, mask, { batchDice: cfg.batchDice, doBg: true });
    // BCEWithLogits, numerically stable: max(x,0) − x·y + log(1 + e^{−|x|})
    const bce = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, regions)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    // as nnU-Net: Σ(bce·mask) over every region channel, divided by the single-channel mask sum (channels summed
    // first so the mask multiplies a same-shape tensor)
    const ce = mask ? tf.div(tf.sum(tf.mul(tf.sum(bce, -1, true), mask)), tf.maximum(tf.sum(mask), 1e-8)) : tf.mean(bce);
    return tf.add(ce, dice) as tf.Scalar;
  });
}
