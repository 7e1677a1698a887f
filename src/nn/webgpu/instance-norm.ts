/**
 * NetOps.instanceNorm in WGSL: instance norm over the voxels of each (sample, channel), affine, and an optional
 * LeakyReLU, forward and backward, on the [N, V, C] view of a channels-last tensor.
 * Forward: Σx and then Σ(x − mean)² in reduce.ts's fixed-order column sums (two-pass, biased variance, eps
 * inside the rsqrt), then one elementwise pass (normalise, affine, activation).
 * Backward: with d = dy after the slope mask and x̂ the normalised input, one reduction gives Σd and Σd·x̂ per
 * (sample, channel); their sums over the samples are dβ and dγ, and one elementwise pass gives
 * dx = rstd·γ·(d − Σd/V − x̂·Σd·x̂/V), the closed form of rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = d·γ.
 * Only x and the two [N, C] sums are kept for the backward: x̂ and the mask are recomputed where needed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { f32, FlatProgram, runProgram } from './program.js';
import { column, sumRowTerm } from './reduce.js';

interface NormShape { n: number; v: number; c: number; eps: number; slope: number }

/**
 * Shared WGSL: x̂ and the pre-activation from the sums S1 = Σx, S2 = Σ(x − mean)² ([N, C]), γ (G) and β (BT);
 * masked(d, a) applies the activation's slope to a gradient. A null slope is slope 1 (the identity).
 */
function normWgsl(s: NormShape): string {
  return `const V = ${s.v};
const CH = ${s.c};
const EPS = ${f32(s.eps)};
const SLOPE = ${f32(s.slope)};
fn rstdAt(b: i32, c: i32) -> f32 { return inverseSqrt(f32(S2[b * CH + c]) / f32(V) + EPS); }
fn xhatAt(b: i32, c: i32, x: f32) -> f32 { return (x - f32(S1[b * CH + c]) / f32(V)) * rstdAt(b, c); }
fn preact(c: i32, xh: f32) -> f32 { return xh * f32(G[c]) + f32(BT[c]); }
fn masked(d: f32, a: f32) -> f32 { return select(d * SLOPE, d, a > 0.0); }`;
}

const NORM_INPUTS = ['X', 'S1', 'S2', 'G', 'BT'];
const key = (s: NormShape): string => `${s.n}_${s.v}_${s.c}_${s.eps}_${s.slope}`;

/** y = act(x̂·γ + β), one thread per element of [N, V, C]. */
class NormForwardProgram extends FlatProgram {
  constructor(private readonly s: NormShape) {
    super(NORM_INPUTS, [s.n * s.v * s.c], `nnNormFwd_${key(s)}`);
  }

  protected prelude(): string {
    return normWgsl(this.s);
  }

  protected body(): string {
    return `let c = index % CH;
  let b = index / (V * CH);
  let a = preact(c, xhatAt(b, c, f32(X[index])));
  setOutputAtIndex(index, select(a * SLOPE, a, a > 0.0));`;
  }
}

/** dx = rstd·γ·(d − Σd/V − x̂·Σd·x̂/V), with T = [N, 2C] holding Σd in its first C columns and Σd·x̂ after. */
class NormBackwardProgram extends FlatProgram {
  constructor(private readonly s: NormShape) {
    super([...NORM_INPUTS, 'DY', 'T'], [s.n * s.v * s.c], `nnNormBwd_${key(s)}`);
  }

  protected prelude(): string {
    return normWgsl(this.s);
  }

  protected body(): string {
    return `let c = index % CH;
  let b = index / (V * CH);
  let xh = xhatAt(b, c, f32(X[index]));
  let d = masked(f32(DY[index]), preact(c, xh));
  let sd = f32(T[b * 2 * CH + c]);
  let sdx = f32(T[b * 2 * CH + CH + c]);
  setOutputAtIndex(index, rstdAt(b, c) * f32(G[c]) * (d - sd / f32(V) - xh * sdx / f32(V)));`;
  }
}

/** Σ(x − mean)² per (sample, channel), the mean taken from S1 = Σx. */
const CENTRED_SQUARE = `fn term(b: i32, r: i32, c: i32) -> f32 {
  let d = f32(X[(b * R + r) * C + c]) - f32(S1[b * C + c]) / f32(R);
  return d * d;
}`;

/** Σd (columns < CH) and Σd·x̂ (columns >= CH) per sample, over 2·CH output columns. */
const GRAD_SUMS = `fn term(b: i32, r: i32, cc: i32) -> f32 {
  let c = cc % CH;
  let i = (b * V + r) * CH + c;
  let xh = xhatAt(b, c, f32(X[i]));
  let d = masked(f32(DY[i]), preact(c, xh));
  return select(d, d * xh, cc >= CH);
}`;

function forward(s: NormShape, x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): { y: tf.Tensor; s1: tf.Tensor; s2: tf.Tensor } {
  const s1 = sumRowTerm(column(x), [s.n, s.v, s.c]);
  const s2 = sumRowTerm({ names: ['X', 'S1'], inputs: [x, s1], wgsl: CENTRED_SQUARE }, [s.n, s.v, s.c]);
  return { y: runProgram(new NormForwardProgram(s), [x, s1, s2, g, b]), s1, s2 };
}

function backward(s: NormShape, dy: tf.Tensor, [x, s1, s2, g, b]: tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    const saved = [x, s1, s2, g, b];
    const t = sumRowTerm({ names: [...NORM_INPUTS, 'DY'], inputs: [...saved, dy], wgsl: `${normWgsl(s)}\n${GRAD_SUMS}` }, [s.n, s.v, 2 * s.c]);
    const overSamples = sumRowTerm(column(t), [1, s.n, 2 * s.c]);
    const dx = runProgram(new NormBackwardProgram(s), [...saved, dy, t]);
    const [dBeta, dGamma] = tf.split(tf.reshape(overSamples, [2 * s.c]), 2);
    return [dx, dGamma, dBeta];
  });
}

export function instanceNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, slope: number | null): tf.Tensor {
  const c = x.shape[x.rank - 1];
  const n = x.shape[0];
  const s: NormShape = { n, v: x.size / (n * c), c, eps, slope: slope ?? 1 };
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xs, g, b] = args as tf.Tensor[];
    const flat = tf.reshape(xs, [-1]);
    const { y, s1, s2 } = forward(s, flat, g, b);
    save([flat, s1, s2, g, b]);
    return {
      value: tf.reshape(y, x.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dGamma, dBeta] = backward(s, tf.reshape(dy, [-1]), saved);
        return [tf.reshape(dx, x.shape), dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta);
}
