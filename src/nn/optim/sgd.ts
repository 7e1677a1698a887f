/**
 * torch.optim.SGD(lr, momentum=0.99, nesterov=True, weight_decay=3e-5, dampening=0) step semantics exactly:
 *   g = grad + wd·p;  buf = g on the first step, else momentum·buf + g;  g = g + momentum·buf;  p -= lr·g
 * Momentum buffers are kept per parameter and are part of the checkpoint.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface SgdOptions {
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface SgdState {
  /** momentum buffers in parameter order; empty before the first step */
  buffers: Float32Array[];
}

export class NesterovSgd {
  private buffers: tf.Variable[] = [];

  constructor(private readonly params: tf.Variable[], private readonly o: SgdOptions) {}

  step(grads: tf.Tensor[], lr: number): void {
    const { momentum, weightDecay, nesterov } = this.o;
    const first = this.buffers.length === 0;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = weightDecay !== 0 ? tf.add(grads[i], tf.mul(p, weightDecay)) : grads[i];
        let update = g;
        if (momentum !== 0) {
          const buf = first ? g : tf.add(tf.mul(this.buffers[i], momentum), g);
          if (first) this.buffers.push(tf.variable(buf, false));
          else this.buffers[i].assign(buf);
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
    this.disposeBuffers();
    if (state.buffers.length === 0) return;
    if (state.buffers.length !== this.params.length) {
      throw new Error(`optimizer state has ${state.buffers.length} buffers for ${this.params.length} parameters`);
    }
    this.buffers = state.buffers.map((b, i) => tf.variable(tf.tensor(b, this.params[i].shape), false));
  }

  dispose(): void {
    this.disposeBuffers();
  }

  private disposeBuffers(): void {
    for (const b of this.buffers) b.dispose();
    this.buffers = [];
  }
}
