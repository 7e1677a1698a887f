/**
 * NetOps.softmax over the channel (last) axis in WGSL, forward and backward, one thread per voxel (a row of C
 * channels: C is the class count, small). The forward subtracts the row's maximum before exp, so large logits do
 * not overflow; the backward is dx = y·(dy − Σ_c dy·y), from the saved output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FlatProgram, runProgram } from './program.js';

class SoftmaxProgram extends FlatProgram {
  constructor(private readonly c: number, private readonly backward: boolean, rows: number) {
    super(backward ? ['Y', 'DY'] : ['X'], [rows * c], `nnSoftmax_${backward}_${c}`, rows);
  }

  protected prelude(): string {
    return `const C = ${this.c};`;
  }

  protected body(): string {
    if (this.backward) {
      return `let first = index * C;
  var dot = 0.0;
  for (var c = 0; c < C; c = c + 1) { dot = dot + f32(DY[first + c]) * f32(Y[first + c]); }
  for (var c = 0; c < C; c = c + 1) { setOutputAtIndex(first + c, f32(Y[first + c]) * (f32(DY[first + c]) - dot)); }`;
    }
    return `let first = index * C;
  var top = f32(X[first]);
  for (var c = 1; c < C; c = c + 1) { top = max(top, f32(X[first + c])); }
  var total = 0.0;
  for (var c = 0; c < C; c = c + 1) { total = total + exp(f32(X[first + c]) - top); }
  for (var c = 0; c < C; c = c + 1) { setOutputAtIndex(first + c, exp(f32(X[first + c]) - top) / total); }`;
  }
}

export function softmax(logits: tf.Tensor): tf.Tensor {
  const c = logits.shape[logits.rank - 1];
  const rows = logits.size / c;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const y = runProgram(new SoftmaxProgram(c, false, rows), [tf.reshape(args[0] as tf.Tensor, [-1])]);
    save([y]);
    return {
      value: tf.reshape(y, logits.shape),
      gradFunc: (dy: tf.Tensor, [yv]: tf.Tensor[]) => tf.tidy(() =>
        tf.reshape(runProgram(new SoftmaxProgram(c, true, rows), [yv, tf.reshape(dy, [-1])]), logits.shape)),
    };
  });
  return f(logits);
}
