/**
 * The few operations the U-Net is built from, behind one swappable table. The network code calls
 * `netOps().conv(...)` and stays plain tfjs; src/nn/ops/reference.ts implements every op with stock tfjs
 * (works on any backend, slow on CPU), and the oneDNN kernels (src/nn/kernels) install faster, numerically
 * equivalent versions with `useNetOps` at backend start-up.
 *
 * Layout: channels last, as tfjs: x is [N, D, H, W, C] (3D) or [N, H, W, C] (2D).
 * All ops are differentiable with respect to every tensor argument (tf.grad / optimizer.minimize work).
 */
import type * as tf from '@tensorflow/tfjs-core';

export interface NetOps {
  /** name shown by `nnunet doctor` and in run records ('reference', 'onednn') */
  name: string;
  /**
   * Convolution with symmetric zero padding `pads[i]` before and after spatial axis i (nnU-Net uses k//2),
   * strides per spatial axis. w: [...kernel, Cin, Cout] (tfjs filter layout). bias: [Cout] or null.
   */
  conv(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, strides: number[], pads: number[]): tf.Tensor;
  /**
   * Transposed convolution with kernel size == stride (nnU-Net's upsampling), no padding.
   * w: [...kernel, Cout, Cin] (tfjs conv*dTranspose filter layout). bias: [Cout] or null.
   */
  convTranspose(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, strides: number[]): tf.Tensor;
  /**
   * Instance norm over the spatial axes per (sample, channel) with affine gamma/beta [C] and eps,
   * followed by LeakyReLU(slope) when slope is not null (nnU-Net: eps 1e-5, slope 0.01).
   * Variance is the biased (population) variance, computed two-pass.
   */
  instanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, slope: number | null): tf.Tensor;
  /** LeakyReLU (used after residual additions in ResEnc blocks). */
  leakyRelu(x: tf.Tensor, slope: number): tf.Tensor;
  /** Concatenate along the channel (last) axis: decoder skip connections. */
  concatChannels(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** Softmax over the channel (last) axis. */
  softmax(logits: tf.Tensor): tf.Tensor;
}

let current: NetOps | undefined;
let fallback: (() => NetOps) | undefined;

/** The reference implementation registers itself here (avoids an import cycle with reference.ts). */
export function setReferenceNetOps(factory: () => NetOps): void {
  fallback = factory;
}

/** Installs faster implementations of some ops over the current table. */
export function useNetOps(overrides: Partial<NetOps> & { name: string }): void {
  current = { ...netOps(), ...overrides };
}

/** Back to the stock-tfjs table (tests compare both). */
export function resetNetOps(): void {
  current = undefined;
}

export function netOps(): NetOps {
  if (current) return current;
  if (!fallback) throw new Error('no NetOps registered: import src/nn/ops/index.ts');
  return fallback();
}
