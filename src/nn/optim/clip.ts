/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm): total L2 norm over all gradients; when it exceeds maxNorm
 * every gradient is scaled by maxNorm / (norm + 1e-6). Returns the new gradients and the norm before clipping.
 */
import * as tf from '@tensorflow/tfjs-core';

export function clipGradNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  return { grads: grads.map((g) => tf.mul(g, coef)), norm };
}
