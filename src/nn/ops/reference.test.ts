import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import './gradients.js';
import { netOps, referenceNetOps } from './index.js';

/** Deterministic pseudo-random fill so failures reproduce. */
function fill(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(fill(shape.reduce((a, b) => a * b, 1), seed), shape);
}

/** Direct-loop 3D convolution with PyTorch semantics (symmetric zero padding), channels last. */
function naiveConv3d(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, s: number[], p: number[]): { data: Float32Array; shape: number[] } {
  const [n, D, H, W, ci] = x.shape;
  const [kd, kh, kw, , co] = w.shape;
  const xd = x.dataSync(), wd = w.dataSync(), bd = b.dataSync();
  const od = Math.floor((D + 2 * p[0] - kd) / s[0]) + 1;
  const oh = Math.floor((H + 2 * p[1] - kh) / s[1]) + 1;
  const ow = Math.floor((W + 2 * p[2] - kw) / s[2]) + 1;
  const out = new Float32Array(n * od * oh * ow * co);
  let o = 0;
  for (let bi = 0; bi < n; bi++) for (let z = 0; z < od; z++) for (let y = 0; y < oh; y++) for (let xx = 0; xx < ow; xx++) {
    for (let c = 0; c < co; c++) {
      let acc = bd[c];
      for (let a = 0; a < kd; a++) for (let bb = 0; bb < kh; bb++) for (let cc = 0; cc < kw; cc++) {
        const iz = z * s[0] - p[0] + a, iy = y * s[1] - p[1] + bb, ix = xx * s[2] - p[2] + cc;
        if (iz < 0 || iy < 0 || ix < 0 || iz >= D || iy >= H || ix >= W) continue;
        for (let k = 0; k < ci; k++) {
          acc += xd[(((bi * D + iz) * H + iy) * W + ix) * ci + k] * wd[(((a * kh + bb) * kw + cc) * ci + k) * co + c];
        }
      }
      out[o++] = acc;
    }
  }
  return { data: out, shape: [n, od, oh, ow, co] };
}

describe('reference NetOps', () => {
  it('is the registered fallback', () => {
    expect(netOps().name).toBe('reference');
  });

  it.each([
    { k: [3, 1, 3], s: [2, 1, 2], p: [1, 0, 1] },
    { k: [3, 3, 3], s: [1, 1, 1], p: [1, 1, 1] },
    { k: [1, 3, 3], s: [1, 2, 2], p: [0, 1, 1] },
  ])('conv matches a direct loop with symmetric padding (kernel $k, stride $s)', ({ k, s, p }) => {
    const x = rand([2, 5, 6, 7, 3], 1);
    const w = rand([...k, 3, 4], 2);
    const b = rand([4], 3);
    const got = referenceNetOps.conv(x, w, b, s, p);
    const want = naiveConv3d(x, w, b, s, p);
    expect(got.shape).toEqual(want.shape);
    const g = got.dataSync();
    for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(want.data[i], 4);
    // the 2D path equals the 3D one on a depth-1 volume with a depth-1 kernel
    const x2 = rand([2, 6, 7, 3], 12);
    const w2 = rand([k[1], k[2], 3, 4], 13);
    const y2 = referenceNetOps.conv(x2, w2, b, s.slice(1), p.slice(1)).dataSync();
    const y3 = naiveConv3d(tf.reshape(x2, [2, 1, 6, 7, 3]), tf.reshape(w2, [1, k[1], k[2], 3, 4]), b, [1, ...s.slice(1)], [0, ...p.slice(1)]);
    expect(y2.length).toBe(y3.data.length);
    for (let i = 0; i < y2.length; i++) expect(y2[i]).toBeCloseTo(y3.data[i], 4);
  });

  it('convTranspose (kernel == stride) matches scattering each input voxel through the kernel', () => {
    const x = rand([2, 2, 3, 2, 3], 4);
    const w = rand([2, 1, 2, 4, 3], 5); // [...k, Cout, Cin]
    const b = rand([4], 6);
    const y = referenceNetOps.convTranspose(x, w, b, [2, 1, 2]);
    expect(y.shape).toEqual([2, 4, 3, 4, 4]);
    const xd = x.dataSync(), wd = w.dataSync(), bd = b.dataSync(), yd = y.dataSync();
    const want = new Float32Array(yd.length);
    const [, D, H, W, ci] = x.shape;
    const [Y1, Y2, Y3] = [4, 3, 4];
    for (let n = 0; n < 2; n++) for (let z = 0; z < D; z++) for (let yy = 0; yy < H; yy++) for (let xx = 0; xx < W; xx++) {
      for (let a = 0; a < 2; a++) for (let c = 0; c < 2; c++) for (let o = 0; o < 4; o++) {
        let acc = bd[o];
        for (let k = 0; k < ci; k++) acc += xd[(((n * D + z) * H + yy) * W + xx) * ci + k] * wd[(((a * 1 + 0) * 2 + c) * 4 + o) * ci + k];
        want[(((n * Y1 + z * 2 + a) * Y2 + yy) * Y3 + xx * 2 + c) * 4 + o] = acc;
      }
    }
    for (let i = 0; i < yd.length; i++) expect(yd[i]).toBeCloseTo(want[i], 5);
    tf.dispose([x, w, b, y]);
  });

  it('convTranspose gradients equal the adjoint (strided conv) and are finite-difference consistent', () => {
    const x = rand([1, 3, 2, 4], 7); // 2D: [N, H, W, Cin]
    const w = rand([2, 2, 3, 4], 8); // [kh, kw, Cout, Cin]
    const dy = rand([1, 6, 4, 3], 9);
    const f = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(referenceNetOps.convTranspose(xx, ww, null, [2, 2]), dy));
    const [gx, gw] = tf.grads(f)([x, w]);
    // adjoint: dx = conv(dy, w) with stride 2 and no padding
    const adj = referenceNetOps.conv(dy, w, null, [2, 2], [0, 0]);
    const a = adj.dataSync(), g = gx.dataSync();
    for (let i = 0; i < a.length; i++) expect(g[i]).toBeCloseTo(a[i], 5);
    const eps = 1e-2, wd = w.dataSync().slice(), idx = 5;
    const plus = wd.slice(); plus[idx] += eps;
    const minus = wd.slice(); minus[idx] -= eps;
    const fp = f(x, tf.tensor(plus, w.shape)).dataSync()[0];
    const fm = f(x, tf.tensor(minus, w.shape)).dataSync()[0];
    expect(gw.dataSync()[idx]).toBeCloseTo((fp - fm) / (2 * eps), 2);
  });

  it('instanceNorm normalises each (sample, channel) with the biased variance, then LeakyReLU', () => {
    const x = rand([2, 3, 4, 2], 10);
    const gamma = tf.tensor1d([1.5, 0.5]);
    const beta = tf.tensor1d([0.1, -0.2]);
    const y = referenceNetOps.instanceNorm(x, gamma, beta, 1e-5, 0.01).dataSync();
    const xd = x.dataSync();
    for (let n = 0; n < 2; n++) for (let c = 0; c < 2; c++) {
      const vals: number[] = [];
      for (let i = 0; i < 12; i++) vals.push(xd[(n * 12 + i) * 2 + c]);
      const m = vals.reduce((a, b) => a + b, 0) / 12;
      const v = vals.reduce((a, b) => a + (b - m) ** 2, 0) / 12;
      for (let i = 0; i < 12; i++) {
        const t = ((vals[i] - m) / Math.sqrt(v + 1e-5)) * [1.5, 0.5][c] + [0.1, -0.2][c];
        expect(y[(n * 12 + i) * 2 + c]).toBeCloseTo(t > 0 ? t : 0.01 * t, 4);
      }
    }
  });

  it('concatChannels puts a before b on the last axis; softmax sums to 1 over channels', () => {
    const a = tf.ones([1, 2, 2, 1]);
    const b = tf.zeros([1, 2, 2, 2]);
    const c = referenceNetOps.concatChannels(a, b);
    expect(c.shape).toEqual([1, 2, 2, 3]);
    expect(Array.from(c.dataSync().slice(0, 3))).toEqual([1, 0, 0]);
    const s = tf.sum(referenceNetOps.softmax(rand([1, 2, 2, 3], 11)), -1).dataSync();
    for (const v of s) expect(v).toBeCloseTo(1, 6);
  });
});
