/**
 * torch.optim.SGD(lr, momentum=0.99, nesterov=True, weight_decay=3e-5, dampening=0) step semantics exactly:
 *   g = grad + wd·p;  buf = momentum·buf + g;  g = g + momentum·buf;  p -= lr·g
 * Torch creates buf = g on a parameter's first step; with dampening 0 that equals starting from a zero buffer,
 * which is what we keep (one buffer per parameter, part of the checkpoint). A parameter without a gradient
 * (torch: grad None, e.g. the zero-weighted deep-supervision head) is skipped entirely, weight decay included.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdState {
  /** momentum buffers in parameter order */
  buffers: Float32Array[];
}

export class NesterovSgd {
  private readonly buffers: tf.Variable[];

  constructor(private readonly params: tf.Variable[], private readonly o: SgdOptions) {
    this.buffers = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  /** grads[i] null: parameter i took no part in the loss */
  step(grads: (tf.Tensor | null)[], lr: number): void {
    const { momentum, weightDecay, nesterov } = this.o;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const grad = grads[i];
        if (!grad) return;
        const g = weightDecay !== 0 ? tf.add(grad, tf.mul(p, weightDecay)) : grad;
        let update = g;
        if (momentum !== 0) {
          const buf = tf.add(tf.mul(this.buffers[i], momentum), g);
          this.buffers[i].assign(buf);
          update = nesterov ? tf.add(g, tf.mul(buf, momentum)) : buf;
        }
        p.assign(tf.sub(p, tf.mul(update, lr)));
      });
    });
  }

  state(): SgdState {
    return { buffers: this.buffers.map((b) => b.dataSync() as Float32Array) };
  }

  load(state: SgdState): void {
    if (state.buffers.length !== this.params.length) {
      throw new Error(`optimizer state has ${state.buffers.length} buffers for ${this.params.length} parameters`);
    }
    state.buffers.forEach((b, i) => tf.tidy(() => this.buffers[i].assign(tf.tensor(b, this.params[i].shape))));
  }

  dispose(): void {
    for (const b of this.buffers) b.dispose();
  }
}
