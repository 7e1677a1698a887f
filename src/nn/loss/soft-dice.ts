/**
 * MemoryEfficientSoftDiceLoss of nnU-Net: per (sample, class) I = Σ p·y, P = Σ p, G = Σ y over space (summed over
 * the batch too with batch dice), dc = (2I + s) / max(G + P + s, 1e-8), loss = −mean(dc).
 * Channels last: probs and onehot are [B, ...S, C]; mask (1 = annotated) is [B, ...S, 1] or null.
 *
 * The spatial sums are written as products with the (mask or ones) row vector, [G, 1, V] x [G, V, C]: tfjs-cpu
 * reduces over non-last axes and broadcasts the mask over channels element by element, which cost seconds per
 * step at nnU-Net patch sizes; a matrix product does both in one fast kernel (and so does its gradient).
 */
import * as tf from '@tensorflow/tfjs-core';
import { sumRows } from '../webgpu/reduce.js';

export interface SoftDiceOptions {
  batchDice: boolean;
  /** false drops channel 0 (background) for label training; regions keep every channel */
  doBg: boolean;
  smooth?: number;
}

const DEFAULT_SMOOTH = 1e-5;
const MIN_DENOMINATOR = 1e-8;

export function softDiceLoss(probs: tf.Tensor, onehot: tf.Tensor, mask: tf.Tensor | null, o: SoftDiceOptions): tf.Scalar {
  return tf.tidy(() => {
    const c = probs.shape[probs.rank - 1];
    const groups = o.batchDice ? 1 : probs.shape[0];
    const p = tf.reshape(probs, [groups, -1, c]);
    const y = tf.reshape(tf.cast(onehot, 'float32'), [groups, -1, c]);
    // tfjs-webgpu's matMul cannot dispatch a reduction this long (V in the millions) and its sums over a middle
    // axis leave the GPU idle: there the column-sum kernel does it
    const spatialSum = tf.getBackend() === 'webgpu'
      ? (t: tf.Tensor) => sumRows(mask ? tf.mul(t, tf.reshape(mask, [groups, -1, 1])) : t)
      : (t: tf.Tensor) => {
        const weights = mask ? tf.reshape(mask, [groups, 1, -1]) : tf.ones([groups, 1, p.shape[1] as number]);
        return tf.reshape(tf.matMul(weights, t), [groups, c]);
      };
    const perClass = (t: tf.Tensor) => {
      const sums = spatialSum(t);
      return o.doBg ? sums : tf.slice(sums, [0, 1], [groups, c - 1]);
    };
    const intersect = perClass(tf.mul(p, y));
    const sumPred = perClass(p);
    const sumGt = perClass(y);
    const s = o.smooth ?? DEFAULT_SMOOTH;
    const dc = tf.div(tf.add(tf.mul(intersect, 2), s), tf.maximum(tf.add(tf.add(sumGt, sumPred), s), MIN_DENOMINATOR));
    return tf.neg(tf.mean(dc)) as tf.Scalar;
  });
}
