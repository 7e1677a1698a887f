/**
 * Column sums of [B, R, C] -> [B, C] in passes of 256 rows (R -> ceil(R/256) -> ... -> 1), each pass one thread
 * per (b, chunk, c) with neighbouring threads on neighbouring channels (coalesced). tfjs-webgpu reduces a
 * non-last axis by transposing and then gives each output one workgroup: with a few outputs (bias and norm
 * gradients, Dice sums: 3-320 channels over millions of voxels) that leaves the GPU almost idle. The summation
 * order is fixed, so results are deterministic. Reads go through f32(): tfjs-webgpu casts int32 to float32
 * without touching the buffer, so a float tensor can still sit in an i32 buffer. Differentiable (the gradient broadcasts dy over the rows).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program.js';

const ROWS = 256;
const WG = 64;

class RowChunkSumProgram implements WebGPUProgram {
  variableNames = ['X'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;

  constructor(private readonly b: number, private readonly r: number, private readonly c: number) {
    const s = Math.ceil(r / ROWS);
    this.outputShape = [b, s, c];
    this.dispatchLayout = { x: [0, 1, 2] };
    this.dispatch = [Math.ceil((b * s * c) / WG), 1, 1];
    this.shaderKey = `nnRowChunkSum_${b}_${r}_${c}`;
  }

  getUserCode(): string {
    const s = Math.ceil(this.r / ROWS);
    return `
fn main(index: i32) {
  if (index >= uniforms.size) { return; }
  let c = index % ${this.c};
  let chunk = (index / ${this.c}) % ${s};
  let b = index / ${this.c * s};
  let first = chunk * ${ROWS};
  let last = min(${this.r}, first + ${ROWS});
  var acc = 0.0;
  for (var r = first; r < last; r = r + 1) {
    acc = acc + f32(X[(b * ${this.r} + r) * ${this.c} + c]);
  }
  setOutputAtIndex(index, acc);
}`;
  }
}

function sumPasses(x: tf.Tensor3D): tf.Tensor2D {
  const backend = tf.backend() as WebGPUBackend;
  let cur: tf.Tensor = x;
  const [b, , c] = x.shape;
  while (cur.shape[1] !== 1) {
    const info = backend.runWebGPUProgram(new RowChunkSumProgram(b, cur.shape[1] as number, c), [cur], 'float32');
    const next = tf.engine().makeTensorFromTensorInfo(info);
    if (cur !== x) cur.dispose();
    cur = next;
  }
  if (cur === x) return tf.reshape(x, [b, c]);
  const out = tf.reshape(cur, [b, c]) as tf.Tensor2D;
  cur.dispose();
  return out;
}

/** Σ over axis 1 of [B, R, C] (float32) on the webgpu backend. */
export function sumRows(x: tf.Tensor): tf.Tensor2D {
  if (x.rank !== 3) throw new Error(`sumRows expects [B, R, C], got shape [${x.shape}]`);
  const [b, r, c] = x.shape;
  if (x.dtype !== 'float32') throw new Error(`sumRows expects float32, got ${x.dtype}`);
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const xs = args[0] as tf.Tensor3D;
    return {
      value: sumPasses(xs),
      gradFunc: (dy: tf.Tensor) => tf.broadcastTo(tf.reshape(dy, [b, 1, c]), [b, r, c]),
    };
  });
  return f(x) as tf.Tensor2D;
}
