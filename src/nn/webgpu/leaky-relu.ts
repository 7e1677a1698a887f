/**
 * NetOps.leakyRelu in WGSL at any rank, forward and backward (the residual blocks' activation after the add).
 * tfjs-webgpu's own LeakyRelu gradient is a rank-preserving `where`, which has no rank-5 shader, so a 3D
 * residual-encoder U-Net could not train on it. Both passes work on the flat buffer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, FlatProgram, runProgram } from './program.js';

/** y = x > 0 ? x : slope·x, or with DY bound, dx = x > 0 ? dy : slope·dy (torch's and tfjs's mask at 0). */
class LeakyReluProgram extends FlatProgram {
  constructor(private readonly slope: number, private readonly backward: boolean, size: number) {
    super(backward ? ['X', 'DY'] : ['X'], [size], `nnLeakyRelu_${backward}_${slope}`);
  }

  protected prelude(): string {
    return `const SLOPE = ${f32(this.slope)};`;
  }

  protected body(): string {
    const v = this.backward ? 'f32(DY[index])' : 'f32(X[index])';
    return `let v = ${v};
  setOutputAtIndex(index, select(v * SLOPE, v, f32(X[index]) > 0.0));`;
  }
}

export function leakyRelu(x: tf.Tensor, slope: number): tf.Tensor {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = tf.reshape(args[0] as tf.Tensor, [-1]);
    save([xs]);
    return {
      value: tf.tidy(() => tf.reshape(runProgram(new LeakyReluProgram(slope, false, xs.size), [xs]), x.shape)),
      gradFunc: (dy: tf.Tensor, [xv]: tf.Tensor[]) => tf.tidy(() =>
        tf.reshape(runProgram(new LeakyReluProgram(slope, true, xv.size), [xv, tf.reshape(dy, [-1])]), x.shape)),
    };
  });
  return f(x);
}
