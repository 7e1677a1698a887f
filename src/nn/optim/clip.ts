/**
 * torch.nn.utils.clip_grad_norm_(params, maxNorm): total L2 norm over all existing gradients; when it exceeds
 * maxNorm every gradient is scaled by maxNorm / (norm + 1e-6). Returns the new gradients and the norm before
 * clipping. Null entries (parameters without a gradient) stay null. `unscale` multiplies the gradients first (1 /
 * the loss scale; GradScaler.unscale_).
 */
import * as tf from '@tensorflow/tfjs-core';

const present = (grads: (tf.Tensor | null)[]): tf.Tensor[] => grads.filter((g): g is tf.Tensor => g !== null);

export function clipGradNorm(grads: (tf.Tensor | null)[], maxNorm: number, unscale = 1): { grads: (tf.Tensor | null)[]; norm: number } {
  const existing = present(grads);
  if (existing.length === 0) return { grads, norm: 0 };
  const norm = tf.tidy(() => tf.sqrt(tf.addN(existing.map((g) => tf.sum(tf.square(g))))).dataSync()[0]) * unscale;
  const coef = Math.min(1, maxNorm / (norm + 1e-6)) * unscale;
  if (coef === 1) return { grads, norm };
  return { grads: grads.map((g) => (g ? tf.mul(g, coef) : null)), norm };
}

/**
 * The same clipping without reading the norm back (a GPU step keeps its tensors on the device): the factor
 * min(1, maxNorm / (norm + 1e-6)) is computed in float32 on the device and always applied, a multiply by 1 when
 * the norm is within bounds. `unscale` (1 / the loss scale of mixed precision) divides the gradients first, as
 * torch's GradScaler.unscale_ before clip_grad_norm_, folded into the same multiply. Returns new gradient tensors
 * (the caller disposes them; `grads` itself when all are null) and, when `unscale` is given, `finite`: a boolean
 * scalar on the device (the caller disposes it), whether the sum of squares, and so every gradient, is finite
 * (GradScaler skips the step otherwise). Without a loss scale nothing asks, so nothing is computed.
 * The squares are summed pairwise, not by addN: a WebGPU shader binds at most maxStorageBuffersPerShaderStage
 * (8 by default) buffers, and tfjs-webgpu's addN of a network's ~50 gradients fails to compile.
 */
export function clipGradNormOnDevice(grads: (tf.Tensor | null)[], maxNorm: number, unscale?: number): { grads: (tf.Tensor | null)[]; finite: tf.Tensor | null } {
  const existing = present(grads);
  if (existing.length === 0) return { grads, finite: unscale === undefined ? null : tf.scalar(true, 'bool') };
  const [coef, finite] = tf.tidy(() => {
    const squares = existing.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b));
    if (unscale === undefined) return [tf.minimum(tf.div(maxNorm, tf.add(tf.sqrt(squares), 1e-6)), 1), null];
    const norm = tf.mul(tf.sqrt(squares), unscale);
    return [tf.mul(tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1), unscale), tf.isFinite(squares)];
  });
  try {
    return { grads: grads.map((g) => (g ? tf.mul(g, coef) : null)), finite };
  } finally {
    coef.dispose();
  }
}
