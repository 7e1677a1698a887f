// One parity suite: every NetOps op and every replaced stock kernel, forward and gradients, native (oneDNN)
// against pure tfjs-cpu on random shapes incl. anisotropic kernels/strides and odd sizes, to 1e-4 relative.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../ops/gradients.js';
import { referenceNetOps } from '../ops/index.js';
import type { NetOps } from '../ops/net-ops.js';
import { loadAddon } from './addon.js';
import { onednnNetOps } from './onednn-ops.js';
import { registerNativeKernels, restoreStockKernels } from './register.js';

const TOL = 1e-4;

/** Seeded N(0,1)-ish values so failures reproduce. */
function rand(shape: number[], seed: number, scale = 1, offset = 0): tf.Tensor {
  let s = seed * 2654435761 >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    v[i] = ((s / 2 ** 32) * 2 - 1) * 1.7 * scale + offset;
  }
  return tf.tensor(v, shape);
}

/** Value and gradients of sum(f(inputs) * r) wrt every input, as plain arrays. */
function valueAndGrads(f: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const y = f(...inputs);
    const r = rand(y.shape, 99);
    const { value, grads } = tf.valueAndGrads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), r)))(inputs);
    void value;
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

function expectSame(native: Float32Array[], reference: Float32Array[]): void {
  expect(native.length).toBe(reference.length);
  native.forEach((a, i) => expect(relErr(a, reference[i]), `output ${i}`).toBeLessThan(TOL));
}

function compareNetOp(pick: (ops: NetOps) => (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): void {
  const before = tf.memory().numTensors;
  expectSame(valueAndGrads(pick(onednnNetOps), inputs), valueAndGrads(pick(referenceNetOps), inputs));
  expect(tf.memory().numTensors).toBe(before);
}

describe.skipIf(!loadAddon())('native kernels match tfjs-cpu', () => {
  beforeAll(() => {
    tf.setBackend('cpu');
    registerNativeKernels();
  });
  afterAll(() => restoreStockKernels());

  const convCases: Array<{ x: number[]; k: number[]; cout: number; s: number[]; p: number[]; bias: boolean }> = [
    { x: [2, 6, 7, 5, 3], k: [3, 3, 3], cout: 4, s: [1, 1, 1], p: [1, 1, 1], bias: true },
    { x: [1, 5, 9, 8, 2], k: [1, 3, 3], cout: 3, s: [1, 2, 2], p: [0, 1, 1], bias: true },
    { x: [2, 7, 6, 9, 4], k: [3, 3, 3], cout: 5, s: [2, 2, 2], p: [1, 1, 1], bias: false },
    { x: [1, 4, 4, 4, 6], k: [1, 1, 1], cout: 3, s: [1, 1, 1], p: [0, 0, 0], bias: true },
    { x: [3, 9, 11, 2], k: [3, 3], cout: 4, s: [2, 2], p: [1, 1], bias: true },
    { x: [2, 8, 7, 3], k: [3, 1], cout: 2, s: [1, 1], p: [1, 0], bias: false },
  ];
  for (const [i, c] of convCases.entries()) {
    it(`conv x=[${c.x}] k=[${c.k}] s=[${c.s}] p=[${c.p}] bias=${c.bias}`, () => {
      const cin = c.x[c.x.length - 1];
      const x = rand(c.x, 1 + i);
      const w = rand([...c.k, cin, c.cout], 10 + i, 0.3);
      const inputs = c.bias ? [x, w, rand([c.cout], 20 + i)] : [x, w];
      compareNetOp((ops) => (xs, ws, bs) => ops.conv(xs, ws, bs ?? null, c.s, c.p), inputs);
      tf.dispose(inputs);
    });
  }

  const tconvCases = [
    { x: [2, 3, 4, 2, 6], s: [2, 2, 2], cout: 3, bias: true },
    { x: [1, 3, 3, 5, 4], s: [1, 2, 2], cout: 2, bias: false },
    { x: [2, 5, 3, 4], s: [2, 2], cout: 3, bias: true },
  ];
  for (const [i, c] of tconvCases.entries()) {
    it(`convTranspose x=[${c.x}] s=[${c.s}] bias=${c.bias}`, () => {
      const cin = c.x[c.x.length - 1];
      const inputs = [rand(c.x, 30 + i), rand([...c.s, c.cout, cin], 40 + i, 0.5)];
      if (c.bias) inputs.push(rand([c.cout], 50 + i));
      compareNetOp((ops) => (xs, ws, bs) => ops.convTranspose(xs, ws, bs ?? null, c.s), inputs);
      tf.dispose(inputs);
    });
  }

  for (const slope of [0.01, null]) {
    for (const shape of [[2, 5, 6, 7, 8], [3, 9, 10, 5]]) {
      it(`instanceNorm [${shape}] slope=${slope} (mean far from 0)`, () => {
        const c = shape[shape.length - 1];
        const inputs = [rand(shape, 60, 3, 5), rand([c], 61, 1, 1), rand([c], 62)];
        compareNetOp((ops) => (x, g, b) => ops.instanceNorm(x, g, b, 1e-5, slope), inputs);
        tf.dispose(inputs);
      });
    }
  }

  it('leakyRelu, concatChannels, softmax', () => {
    const a = rand([2, 3, 4, 5, 3], 70);
    const b = rand([2, 3, 4, 5, 2], 71);
    compareNetOp((ops) => (x) => ops.leakyRelu(x, 0.01), [a]);
    compareNetOp((ops) => (x, y) => ops.concatChannels(x, y), [a, b]);
    compareNetOp((ops) => (x) => ops.softmax(x), [a]);
    tf.dispose([a, b]);
  });

  /** The same tfjs expression with stock kernels, then with ours. */
  function compareStock(f: (...t: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): void {
    restoreStockKernels();
    const reference = valueAndGrads(f, inputs);
    registerNativeKernels();
    expectSame(valueAndGrads(f, inputs), reference);
  }

  it('stock tf.conv3d (same, stride 2) and tf.conv2d with their gradients', () => {
    const x3 = rand([2, 7, 6, 5, 3], 80);
    const w3 = rand([3, 3, 3, 3, 4], 81, 0.3);
    compareStock((x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, [2, 2, 2], 'same'), [x3, w3]);
    compareStock((x, w) => tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, 1, 'valid'), [x3, w3]);
    const x2 = rand([2, 9, 8, 3], 82);
    const w2 = rand([3, 3, 3, 5], 83, 0.3);
    compareStock((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [2, 1], 'same'), [x2, w2]);
    compareStock((x) => tf.leakyRelu(x, 0.2), [x2]);
    compareStock((x) => tf.softmax(x), [x2]);
    compareStock((x) => tf.exp(tf.mul(x, 0.5)), [x2]);
    compareStock((x) => tf.logSoftmax(x), [x2]);
    tf.dispose([x3, w3, x2, w2]);
  });

  it('stock Add/Sub/Multiply/RealDiv with broadcasting, and their gradients', () => {
    const a = rand([2, 3, 4, 5, 3], 110);
    const b = rand([2, 3, 4, 5, 1], 111, 1, 3);
    const v = rand([3], 112, 1, 3);
    const m = rand([2, 1, 4, 1, 3], 113, 1, 3);
    compareStock((x, y) => tf.add(x, y), [a, b]);
    compareStock((x, y) => tf.sub(y, x), [a, b]);
    compareStock((x, y) => tf.mul(x, y), [a, v]);
    compareStock((x, y) => tf.div(x, y), [a, m]);
    compareStock((x) => tf.mul(tf.sub(x, 2), x), [a]);
    tf.dispose([a, b, v, m]);
  });

  it('tf.conv3dTranspose trains: our Conv3DBackpropInputV2 gradient matches the matMul reference', () => {
    const x = rand([2, 3, 4, 2, 6], 90);
    const w = rand([2, 2, 2, 3, 6], 91, 0.5);
    const stock = (xs: tf.Tensor, ws: tf.Tensor) =>
      tf.conv3dTranspose(xs as tf.Tensor5D, ws as tf.Tensor5D, [2, 6, 8, 4, 3], 2, 'valid');
    expectSame(valueAndGrads(stock, [x, w]), valueAndGrads((a, b) => referenceNetOps.convTranspose(a, b, null, [2, 2, 2]), [x, w]));
    tf.dispose([x, w]);
  });

  it('is bit-identical run to run with a fixed thread count', () => {
    const x = rand([2, 6, 6, 6, 8], 100);
    const w = rand([3, 3, 3, 8, 8], 101, 0.3);
    const g = rand([8], 102);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      onednnNetOps.instanceNorm(onednnNetOps.conv(a, b, null, [1, 1, 1], [1, 1, 1]), c, c, 1e-5, 0.01);
    const first = valueAndGrads(f, [x, w, g]);
    const second = valueAndGrads(f, [x, w, g]);
    first.forEach((a, i) => expect(Buffer.from(a.buffer).equals(Buffer.from(second[i].buffer))).toBe(true));
    tf.dispose([x, w, g]);
  });
});
