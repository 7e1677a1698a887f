// The WGSL instance norm (+ LeakyReLU), LeakyReLU and softmax kernels against the stock-tfjs reference on
// tfjs-cpu, forward and every gradient: 2D and 3D, odd shapes, 1/3/33 channels, voxel counts that are not a
// multiple of the workgroup, with and without the activation, batch 1 and 2 (webgpu.test.ts trains a 3D
// residual-encoder U-Net on them). SwiftShader in CI; skips only without an adapter.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import '../ops/gradients.js';
import { initBackend } from '../backend.js';
import { probeWebGpu } from './device.js';
import { webgpuNetOps } from './net-ops.js';
import { expectParity, type Op } from '../../../test/gpu/parity.js';

const probe = await probeWebGpu();
if (!probe.adapter) console.warn(`webgpu norm kernel tests skipped: ${probe.why}`);

const norm = (eps: number, slope: number | null): Op => (o, [x, g, b]) => o.instanceNorm(x, g, b, eps, slope);

// Voxel counts: 105, 279 and 693 are odd, not multiples of the 64-thread workgroup, and 279 and 693 pass the
// 256-row chunk of the column sums, so the reductions take more than one pass.
const CASES: Array<[string, Op, number[][]]> = [
  ['instance norm + LeakyReLU 3D, 3 channels, batch 2', norm(1e-5, 0.01), [[2, 5, 7, 3, 3], [3], [3]]],
  ['instance norm 3D, 1 channel, batch 1, no activation', norm(1e-5, null), [[1, 7, 9, 11, 1], [1], [1]]],
  ['instance norm + LeakyReLU 3D, 33 channels, batch 2', norm(1e-5, 0.01), [[2, 3, 5, 7, 33], [33], [33]]],
  ['instance norm + LeakyReLU 2D, 3 channels, batch 2', norm(1e-5, 0.01), [[2, 9, 31, 3], [3], [3]]],
  ['instance norm 2D, 33 channels, batch 1, no activation', norm(1e-3, null), [[1, 9, 7, 33], [33], [33]]],
  ['softmax 3D, 3 channels, batch 2', (o, [x]) => o.softmax(x), [[2, 3, 5, 7, 3]]],
  ['softmax 2D, 33 channels', (o, [x]) => o.softmax(x), [[1, 9, 7, 33]]],
  ['softmax 2D, 1 channel', (o, [x]) => o.softmax(x), [[2, 5, 3, 1]]],
  // logits up to 170: exp overflows float32 past 88 unless the row maximum is subtracted first
  ['softmax 2D of large logits', (o, [x]) => o.softmax(tf.mul(x, 100)), [[1, 5, 3, 4]]],
  ['leakyRelu 3D (rank 5), batch 2', (o, [x]) => o.leakyRelu(x, 0.01), [[2, 3, 5, 7, 3]]],
  ['leakyRelu 2D, 33 channels, slope 0.2', (o, [x]) => o.leakyRelu(x, 0.2), [[1, 7, 5, 33]]],
];

describe.skipIf(!probe.adapter)('WGSL norm kernels (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it.each(CASES)('%s matches the reference, forward and backward', async (_name, op, shapes) => {
    await expectParity(webgpuNetOps, op, shapes);
  });
});
