/**
 * Column sums of [B, R, C] -> [B, C] in passes of 256 rows (R -> ceil(R/256) -> ... -> 1), each pass one thread
 * per (b, chunk, c) with neighbouring threads on neighbouring channels (coalesced). tfjs-webgpu reduces a
 * non-last axis by transposing and then gives each output one workgroup: with a few outputs (bias and norm
 * gradients, Dice sums: 3-320 channels over millions of voxels) that leaves the GPU almost idle. The summation
 * order is fixed, so results are deterministic. Reads go through f32(): tfjs-webgpu casts int32 to float32
 * without touching the buffer, so a float tensor can still sit in an i32 buffer.
 * The first pass may sum a computed term instead of a plain column (instance norm's centred squares and its
 * gradient sums), so such a reduction never materialises its [B, R, C] operand.
 */
import * as tf from '@tensorflow/tfjs-core';
import { FlatProgram, runProgram } from './program.js';

const ROWS = 256;

/**
 * The first pass's summand: WGSL `fn term(b: i32, r: i32, c: i32) -> f32`, which may use the constants R and C
 * (rows and output columns) and reads the inputs by the names given.
 */
export interface RowTerm { names: string[]; inputs: tf.Tensor[]; wgsl: string }

class RowChunkSumProgram extends FlatProgram {
  constructor(names: string[], private readonly r: number, private readonly c: number, private readonly term: string, b: number) {
    super(names, [b, Math.ceil(r / ROWS), c], `nnRowChunkSum_${r}_${c}_${term}`);
  }

  protected prelude(): string {
    return `const R = ${this.r};\nconst C = ${this.c};\nconst S = ${Math.ceil(this.r / ROWS)};\n${this.term}`;
  }

  protected body(): string {
    return `let c = index % C;
  let chunk = (index / C) % S;
  let b = index / (C * S);
  let last = min(R, chunk * ${ROWS} + ${ROWS});
  var acc = 0.0;
  for (var r = chunk * ${ROWS}; r < last; r = r + 1) {
    acc = acc + term(b, r, c);
  }
  setOutputAtIndex(index, acc);`;
  }
}

const COLUMN = 'fn term(b: i32, r: i32, c: i32) -> f32 { return f32(X[(b * R + r) * C + c]); }';

/** The plain column of [B, R, C] tensor x as a first-pass term. */
export const column = (x: tf.Tensor): RowTerm => ({ names: ['X'], inputs: [x], wgsl: COLUMN });

/** Σ over r of term(b, r, c) for the [B, R, C] extent `shape`, as [B, C] (not differentiable). */
export function sumRowTerm(term: RowTerm, shape: [number, number, number]): tf.Tensor2D {
  const [b, r, c] = shape;
  let cur = runProgram(new RowChunkSumProgram(term.names, r, c, term.wgsl, b), term.inputs);
  while (cur.shape[1] !== 1) {
    const next = runProgram(new RowChunkSumProgram(['X'], cur.shape[1] as number, c, COLUMN, b), [cur]);
    cur.dispose();
    cur = next;
  }
  const out = tf.reshape(cur, [b, c]) as tf.Tensor2D;
  cur.dispose();
  return out;
}

/** Σ over axis 1 of [B, R, C] (float32) on the webgpu backend; differentiable (dy broadcasts over the rows). */
export function sumRows(x: tf.Tensor): tf.Tensor2D {
  if (x.rank !== 3) throw new Error(`sumRows expects [B, R, C], got shape [${x.shape}]`);
  const [b, r, c] = x.shape;
  if (x.dtype !== 'float32') throw new Error(`sumRows expects float32, got ${x.dtype}`);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
    value: sumRowTerm(column(args[0] as tf.Tensor), [b, r, c]),
    gradFunc: (dy: tf.Tensor) => tf.broadcastTo(tf.reshape(dy, [b, 1, c]), [b, r, c]),
  }));
  return f(x) as tf.Tensor2D;
}
