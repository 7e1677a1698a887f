/**
 * SGD with Nesterov momentum (PyTorch semantics: g += wd*p; buf = mu*buf + g; p -= lr*(g + mu*buf)) as ONE
 * fused pass over a flat buffer of all parameters, instead of ~10 small tfjs ops per parameter tensor. Runs the
 * addon's OpenMP loop when it is loaded, else the same arithmetic in JS (float32 throughout either way, so both
 * give identical bits). A zero-initialised momentum buffer reproduces PyTorch's first step (buf = g).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon } from './addon.js';

export interface FlatSgdOptions { momentum: number; weightDecay: number }

/** In-place update of params and momentum from grads (all the same length). */
export function sgdNesterovUpdate(params: Float32Array, grads: Float32Array, momentum: Float32Array, lr: number,
  o: FlatSgdOptions, native = loadAddon()): void {
  if (grads.length !== params.length || momentum.length !== params.length) {
    throw new Error(`sgd: params ${params.length}, grads ${grads.length}, momentum ${momentum.length} differ in length`);
  }
  if (native) {
    native.sgdNesterov(params, grads, momentum, lr, o.momentum, o.weightDecay);
    return;
  }
  // Math.fround keeps every intermediate float32, as the C++ loop does.
  const f = Math.fround;
  const mu = f(o.momentum);
  const wd = f(o.weightDecay);
  const rate = f(lr);
  for (let i = 0; i < params.length; i++) {
    const g = f(grads[i] + f(wd * params[i]));
    const b = f(f(mu * momentum[i]) + g);
    momentum[i] = b;
    params[i] = f(params[i] - f(rate * f(g + f(mu * b))));
  }
}

/** The fused update over tfjs variables: gathers their values and gradients into flat buffers once per step. */
export class FlatNesterovSgd {
  private readonly offsets: number[] = [];
  private readonly flat: Float32Array;
  private readonly grads: Float32Array;
  readonly momentum: Float32Array;

  constructor(private readonly params: tf.Variable[], private readonly o: FlatSgdOptions) {
    let n = 0;
    for (const p of params) {
      this.offsets.push(n);
      n += p.size;
    }
    this.flat = new Float32Array(n);
    this.grads = new Float32Array(n);
    this.momentum = new Float32Array(n);
  }

  step(grads: tf.Tensor[], lr: number): void {
    this.params.forEach((p, i) => {
      this.flat.set(p.dataSync() as Float32Array, this.offsets[i]);
      this.grads.set(grads[i].dataSync() as Float32Array, this.offsets[i]);
    });
    sgdNesterovUpdate(this.flat, this.grads, this.momentum, lr, this.o);
    this.params.forEach((p, i) => {
      // slice: the variable must own its values, not alias the buffer the next step overwrites
      const value = tf.tensor(this.flat.slice(this.offsets[i], this.offsets[i] + p.size), p.shape);
      p.assign(value);
      value.dispose();
    });
  }
}
