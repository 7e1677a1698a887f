/**
 * torch.optim.SGD(lr, momentum=0.99, nesterov=True, weight_decay=3e-5, dampening=0) step semantics exactly:
 *   g = grad + wd·p;  buf = momentum·buf + g;  p -= lr·(g + momentum·buf)
 * Torch creates buf = g on a parameter's first step; with dampening 0 that equals starting from a zero buffer,
 * which is what we keep (one buffer per parameter, part of the checkpoint). A parameter without a gradient
 * (torch: grad None, e.g. the zero-weighted deep-supervision head) is skipped entirely, weight decay included.
 * The arithmetic is the fused float32 loop of src/nn/kernels/sgd.ts (native when the addon loads, else JS,
 * bit-identical) instead of ~8 tfjs ops per parameter tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sgdNesterovUpdate } from '../kernels/sgd.js';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  /** torch's flag; nnU-Net trains with Nesterov momentum, the only variant implemented */
  nesterov: boolean;
}

export interface SgdState {
  /** momentum buffers in parameter order */
  buffers: Float32Array[];
}

/** What training and checkpoints need of an optimizer: this host one, or DeviceNesterovSgd (src/nn/webgpu/sgd.ts). */
export interface Optimizer {
  /**
   * applyIf: a boolean scalar; false leaves parameters and momentum as they were (a mixed-precision step whose
   * gradients overflowed, which torch's GradScaler skips)
   */
  step(grads: (tf.Tensor | null)[], lr: number, applyIf?: tf.Tensor): void;
  state(): SgdState | Promise<SgdState>;
  load(state: SgdState): void;
  dispose(): void;
}

export class NesterovSgd implements Optimizer {
  private buffers: Float32Array[];

  constructor(private readonly params: tf.Variable[], private readonly o: SgdOptions) {
    if (!o.nesterov) throw new RangeError('NesterovSgd implements Nesterov momentum only (nesterov: true)');
    this.buffers = params.map((p) => new Float32Array(p.size));
  }

  /** grads[i] null: parameter i took no part in the loss */
  step(grads: (tf.Tensor | null)[], lr: number, applyIf?: tf.Tensor): void {
    if (this.buffers.length !== this.params.length) throw new Error('NesterovSgd.step after dispose()');
    if (applyIf && !applyIf.dataSync()[0]) return;
    this.params.forEach((p, i) => {
      const grad = grads[i];
      if (!grad) return;
      const values = Float32Array.from(p.dataSync() as Float32Array);
      sgdNesterovUpdate(values, grad.dataSync() as Float32Array, this.buffers[i], lr, this.o);
      const next = tf.tensor(values, p.shape);
      p.assign(next);
      next.dispose();
    });
  }

  state(): SgdState {
    return { buffers: this.buffers.map((b) => b.slice()) };
  }

  load(state: SgdState): void {
    if (state.buffers.length !== this.params.length || state.buffers.some((b, i) => b.length !== this.params[i].size)) {
      throw new Error(`optimizer state does not match the ${this.params.length} parameters of this network`);
    }
    state.buffers.forEach((b, i) => this.buffers[i].set(b));
  }

  /** releases the momentum buffers (a network's worth of floats) */
  dispose(): void {
    this.buffers = [];
  }
}
