/**
 * MemoryEfficientSoftDiceLoss of nnU-Net: per (sample, class) I = Σ p·y, P = Σ p, G = Σ y over space (summed over
 * the batch too with batch dice), dc = (2I + s) / max(G + P + s, 1e-8), loss = −mean(dc).
 * Channels last: probs and onehot are [B, ...S, C]; mask (1 = annotated) is [B, ...S, 1] or null.
 */
import * as tf from '@tensorflow/tfjs-core';

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
    let p = probs;
    let y = onehot;
    if (!o.doBg) {
      const begin = new Array(probs.rank).fill(0);
      begin[probs.rank - 1] = 1;
      const size = [...probs.shape];
      size[probs.rank - 1] = c - 1;
      p = tf.slice(p, begin, size);
      y = tf.slice(y, begin, size);
    }
    if (mask) {
      p = tf.mul(p, mask);
      y = tf.mul(y, mask);
    }
    const axes = o.batchDice ? Array.from({ length: p.rank - 1 }, (_, i) => i) : Array.from({ length: p.rank - 2 }, (_, i) => i + 1);
    const intersect = tf.sum(tf.mul(p, y), axes);
    const sumPred = tf.sum(p, axes);
    const sumGt = tf.sum(y, axes);
    const s = o.smooth ?? DEFAULT_SMOOTH;
    const dc = tf.div(tf.add(tf.mul(intersect, 2), s), tf.maximum(tf.add(tf.add(sumGt, sumPred), s), MIN_DENOMINATOR));
    return tf.neg(tf.mean(dc)) as tf.Scalar;
  });
}
