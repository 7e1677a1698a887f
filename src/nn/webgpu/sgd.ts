/**
 * SGD with Nesterov momentum (PyTorch semantics, as src/nn/optim/sgd.ts) where the parameters, gradients and
 * momentum buffers all stay in GPU memory: each parameter's update is two WGSL passes over it (the new momentum,
 * then the new parameter, each recomputing what it needs) instead of a chain of elementwise tfjs kernels, and
 * nothing is read back. The momentum buffers come back to the host only when a checkpoint asks (`state`).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, SgdOptions, SgdState } from '../optim/sgd.js';
import { f32, FlatProgram, runProgram } from './program.js';

/**
 * torch's step for one parameter, elementwise: g = grad + wd p; buf' = m buf + g; p' = p - lr (g + m buf').
 * Writes buf' or p'. Gated by OK (a one-element 0/1 tensor): where it is 0 the old value is written, whatever
 * the gradient holds (select, not arithmetic: an inf or NaN gradient cannot leak through).
 */
class NesterovProgram extends FlatProgram {
  uniforms = 'lr : f32,';

  constructor(size: number, private readonly writes: 'momentum' | 'param', private readonly o: SgdOptions, private readonly gated: boolean) {
    super(gated ? ['P', 'BUF', 'G', 'OK'] : ['P', 'BUF', 'G'], [size], `nnNesterov_${writes}_${o.momentum}_${o.weightDecay}_${gated}`);
  }

  protected prelude(): string {
    return `const MOMENTUM = ${f32(this.o.momentum)};\nconst WD = ${f32(this.o.weightDecay)};`;
  }

  protected body(): string {
    const old = this.writes === 'param' ? 'p' : 'f32(BUF[index])';
    const next = this.writes === 'param' ? 'p - uniforms.lr * (g + MOMENTUM * buf)' : 'buf';
    return `let p = f32(P[index]);
  let g = f32(G[index]) + WD * p;
  let buf = MOMENTUM * f32(BUF[index]) + g;
  setOutputAtIndex(index, ${this.gated ? `select(${old}, ${next}, f32(OK[0]) != 0.0)` : next});`;
  }
}

export class DeviceNesterovSgd implements Optimizer {
  private buffers: tf.Variable[];

  constructor(private readonly params: tf.Variable[], private readonly o: SgdOptions) {
    if (!o.nesterov) throw new RangeError('DeviceNesterovSgd implements Nesterov momentum only (nesterov: true)');
    // a variable takes its own reference to the data it is made from or assigned: tidy frees the source tensor
    this.buffers = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /**
   * grads[i] null: parameter i took no part in the loss (skipped, weight decay included, as torch). applyIf is
   * decided on the device (the gradients' finiteness), so nothing is read back to skip a step.
   */
  step(grads: (tf.Tensor | null)[], lr: number, applyIf?: tf.Tensor): void {
    tf.tidy(() => {
      const ok = applyIf ? [tf.cast(applyIf, 'float32')] : [];
      const uniforms = [{ type: 'float32', data: [lr] }];
      this.params.forEach((p, i) => {
        const grad = grads[i];
        if (!grad) return;
        const inputs = [tf.reshape(p, [-1]), tf.reshape(this.buffers[i], [-1]), tf.reshape(grad, [-1]), ...ok];
        const pass = (writes: 'momentum' | 'param') =>
          tf.reshape(runProgram(new NesterovProgram(p.size, writes, this.o, ok.length > 0), inputs, uniforms), p.shape);
        // both passes are recorded on the old parameter and momentum before either is assigned
        const momentum = pass('momentum');
        const param = pass('param');
        this.buffers[i].assign(momentum);
        p.assign(param);
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
