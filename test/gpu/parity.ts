// Shared by the WebGPU parity tests: seeded inputs, a relative error with a floor, and one op's output and
// gradients on the active backend or on tfjs-cpu (the reference every WGSL kernel is held to).
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { referenceNetOps } from '../../src/nn/ops/index.js';
import type { NetOps } from '../../src/nn/ops/net-ops.js';

/** f32 parity tolerance of the issue: every WGSL op against the stock-tfjs reference on tfjs-cpu */
export const TOL = 1e-4;

export function rand(shape: number[], seed: number): Float32Array {
  let s = seed * 2654435761 >>> 0;
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    v[i] = ((s / 2 ** 32) * 2 - 1) * 1.7;
  }
  return v;
}

/** max |got - want| over max(|want|, floor): the floor keeps near-zero tensors (a conv bias before instance norm,
 * whose gradient is zero up to rounding) from turning rounding noise into a large relative error. */
export function relErr(got: Float32Array, want: Float32Array, floor = 1e-12): number {
  expect(got.length).toBe(want.length);
  let d = 0;
  let m = floor;
  for (let i = 0; i < want.length; i++) {
    d = Math.max(d, Math.abs(got[i] - want[i]));
    m = Math.max(m, Math.abs(want[i]));
  }
  return d / m;
}

export type Op = (o: NetOps, t: tf.Tensor[]) => tf.Tensor;

/** Values fed to an op, as they are or rounded (the f16 tests make every operand exact in f16). */
export type Feed = (v: Float32Array) => Float32Array;
const asIs: Feed = (v) => v;

/**
 * y and the gradients of sum(y * r) on the active backend, read back asynchronously (webgpu has no dataSync); the
 * inputs and r pass through `feed`.
 */
export async function runOp(ops: NetOps, op: Op, shapes: number[][], feed = asIs): Promise<Float32Array[]> {
  const inputs = shapes.map((s, i) => tf.tensor(feed(rand(s, i + 1)), s));
  const y = op(ops, inputs);
  const r = tf.tensor(feed(rand(y.shape, 99)), y.shape);
  const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(op(ops, t), r)))(inputs);
  const out = await Promise.all([y, ...grads].map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([...inputs, y, r, ...grads]);
  return out;
}

/** Runs f on tfjs-cpu and switches back to webgpu. */
export async function onCpu<T>(f: () => Promise<T>): Promise<T> {
  await tf.setBackend('cpu');
  try {
    return await f();
  } finally {
    await tf.setBackend('webgpu');
  }
}

/**
 * `op` with `ops` on the active backend against the stock-tfjs reference on tfjs-cpu, both fed through `feed`:
 * output and every gradient within `tol`. Returns the largest relative error.
 */
export async function expectParity(ops: NetOps, op: Op, shapes: number[][], feed = asIs, tol = TOL): Promise<number> {
  const got = await runOp(ops, op, shapes, feed);
  const want = await onCpu(() => runOp(referenceNetOps, op, shapes, feed));
  const errors = got.map((g, i) => relErr(g, want[i]));
  errors.forEach((e, i) => expect(e, `output ${i}`).toBeLessThan(tol));
  return Math.max(...errors);
}
