/**
 * SGD with Nesterov momentum (PyTorch semantics, as src/nn/optim/sgd.ts) where the parameters, gradients and
 * momentum buffers all stay in GPU memory: the update is a handful of elementwise kernels per parameter and
 * nothing is read back. The momentum buffers come back to the host only when a checkpoint asks (`state`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, SgdOptions, SgdState } from '../optim/sgd.js';

export class DeviceNesterovSgd implements Optimizer {
  private buffers: tf.Variable[];

  constructor(private readonly params: tf.Variable[], private readonly o: SgdOptions) {
    if (!o.nesterov) throw new RangeError('DeviceNesterovSgd implements Nesterov momentum only (nesterov: true)');
    // a variable takes its own reference to the data it is made from or assigned: tidy frees the source tensor
    this.buffers = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** grads[i] null: parameter i took no part in the loss (skipped, weight decay included, as torch) */
  step(grads: (tf.Tensor | null)[], lr: number): void {
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const grad = grads[i];
        if (!grad) return;
        const g = tf.add(grad, tf.mul(p, this.o.weightDecay));
        const buf = tf.add(tf.mul(this.buffers[i], this.o.momentum), g);
        this.buffers[i].assign(buf);
        p.assign(tf.sub(p, tf.mul(tf.add(g, tf.mul(buf, this.o.momentum)), lr)));
      });
    });
  }

  async state(): Promise<SgdState> {
    return { buffers: await Promise.all(this.buffers.map(async (b) => new Float32Array(await b.data()))) };
  }

  load(state: SgdState): void {
    if (state.buffers.length !== this.params.length || state.buffers.some((b, i) => b.length !== this.params[i].size)) {
      throw new Error(`optimizer state does not match the ${this.params.length} parameters of this network`);
    }
    state.buffers.forEach((b, i) => tf.tidy(() => this.buffers[i].assign(tf.tensor(b, this.params[i].shape))));
  }

  dispose(): void {
    tf.dispose(this.buffers);
    this.buffers = [];
  }
}
