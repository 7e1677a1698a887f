import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { NesterovSgd } from '../optim/index.js';
import { loadAddon } from './addon.js';
import { FlatNesterovSgd, sgdNesterovUpdate } from './sgd.js';

const opts = { momentum: 0.99, weightDecay: 3e-5 };
const ramp = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k + 0.3));

describe('fused SGD-Nesterov', () => {
  it('FlatNesterovSgd matches the torch-exact per-tensor optimizer over 3 steps', () => {
    const p = [tf.variable(tf.tensor(ramp(12, 0.7), [3, 4])), tf.variable(tf.tensor(ramp(5, 1.3), [5]))];
    const q = p.map((v) => tf.variable(v.clone()));
    const flat = new FlatNesterovSgd(q, opts);
    const reference = new NesterovSgd(p, { ...opts, nesterov: true });
    for (let s = 0; s < 3; s++) {
      const grads = p.map((v, i) => tf.tensor(ramp(v.size, 0.1 * (s + 1) + i), v.shape));
      reference.step(grads, 0.01);
      flat.step(grads, 0.01);
      tf.dispose(grads);
    }
    p.forEach((v, i) => {
      const a = v.dataSync();
      const b = q[i].dataSync();
      for (let j = 0; j < a.length; j++) expect(b[j]).toBeCloseTo(a[j], 6);
    });
    reference.dispose();
    tf.dispose([...p, ...q]);
  });

  it.skipIf(!loadAddon())('native loop gives the same bits as the JS fallback', () => {
    const n = 1001;
    const run = (native: boolean) => {
      const params = ramp(n, 0.37);
      const momentum = new Float32Array(n);
      for (let s = 0; s < 3; s++) sgdNesterovUpdate(params, ramp(n, 0.11 * (s + 1)), momentum, 0.01, opts, native ? loadAddon() : null);
      return { params, momentum };
    };
    const a = run(true);
    const b = run(false);
    expect(Buffer.from(a.params.buffer).equals(Buffer.from(b.params.buffer))).toBe(true);
    expect(Buffer.from(a.momentum.buffer).equals(Buffer.from(b.momentum.buffer))).toBe(true);
  });

  it('rejects buffers of different lengths', () => {
    expect(() => sgdNesterovUpdate(new Float32Array(3), new Float32Array(2), new Float32Array(3), 0.1, opts, null)).toThrow(/differ/);
  });
});
