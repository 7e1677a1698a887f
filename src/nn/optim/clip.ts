/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm): total L2 norm over all existing gradients; when it exceeds
 * maxNorm every gradient is scaled by maxNorm / (norm + 1e-6). Returns the new gradients and the norm before
 * clipping. Null entries (parameters without a gradient) stay null.
 */
import * as tf from '@tensorflow/tfjs-core';

export function clipGradNorm(grads: (tf.Tensor | null)[], maxNorm: number): { grads: (tf.Tensor | null)[]; norm: number } {
  const present = grads.filter((g): g is tf.Tensor => g !== null);
  if (present.length === 0) return { grads, norm: 0 };
  const norm = tf.tidy(() => tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  return { grads: grads.map((g) => (g ? tf.mul(g, coef) : null)), norm };
}
