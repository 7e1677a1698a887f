// Sliding-window inference with the accumulation on the GPU (webgpu, SwiftShader in CI) against the host path on
// tfjs-cpu, the same seeded convolutional network on both: odd volumes, tile batches that split a tile's mirror
// variants, a volume smaller than the patch, 2D; one read-back per case; no tensor left behind. Skips, saying why,
// only where Dawn finds no adapter at all.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../backend.js';
import { referenceNetOps, resetNetOps } from '../ops/index.js';
import type { NetOps } from '../ops/net-ops.js';
import { probeWebGpu } from '../webgpu/device.js';
import { webgpuNetOps } from '../webgpu/net-ops.js';
import { webgpuBackend } from '../webgpu/queue.js';
import { onCpu, rand, relErr } from '../../../test/gpu/parity.js';
import { predictSlidingWindowAsync, type CaseArray, type SlidingWindowOptions } from './sliding-window.js';

const probe = await probeWebGpu();
if (!probe.adapter) console.warn(`webgpu sliding-window tests skipped: ${probe.why}`);

const C = 2;
const K = 3;

interface Case { name: string; shape: [number, number, number]; opts: SlidingWindowOptions }
const CASES: Case[] = [
  // batch sizes chosen so that few network input shapes occur (each one costs SwiftShader a shader compile)
  { name: '3D odd volume, mirrored, batches of 6 split tiles\' 8 variants', shape: [9, 11, 7],
    opts: { patchSize: [6, 8, 6], numClasses: K, mirrorAxes: [0, 1, 2], maxBatch: 6 } },
  { name: '3D odd volume, no mirroring, batches of 4', shape: [9, 11, 7],
    opts: { patchSize: [6, 8, 6], numClasses: K, mirrorAxes: null, maxBatch: 4 } },
  { name: '3D volume smaller than the patch on two axes (padded, cropped back)', shape: [5, 7, 9],
    opts: { patchSize: [6, 8, 6], numClasses: K, mirrorAxes: [1, 2], maxBatch: 4 } },
  { name: '2D configuration, mirrored, batches of 4', shape: [2, 9, 7],
    opts: { patchSize: [8, 6], numClasses: K, mirrorAxes: [0, 1], maxBatch: 4 } },
];

const input = (shape: [number, number, number]): CaseArray => ({ data: rand([C, ...shape], 3), channels: C, shape });

/** A 3x3(x3) convolution C -> K with bias, no symmetry, so a wrong flip or offset shows. */
async function predict(ops: NetOps, c: Case): Promise<Float32Array> {
  const k = c.opts.patchSize.map(() => 3);
  const w = tf.tensor(rand([...k, C, K], 1), [...k, C, K]);
  const b = tf.tensor(rand([K], 2), [K]);
  try {
    return await predictSlidingWindowAsync(input(c.shape), (x) => ops.conv(x, w, b, k.map(() => 1), k.map(() => 1)), c.opts);
  } finally {
    tf.dispose([w, b]);
  }
}

describe.skipIf(!probe.adapter)('sliding window on webgpu: GPU accumulation', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });
  afterAll(() => resetNetOps());

  it.each(CASES)('$name: equals the host path within 1e-5, one read-back', async (c) => {
    const read = vi.spyOn(webgpuBackend(), 'read');
    const gpu = await predict(webgpuNetOps, c);
    expect(read).toHaveBeenCalledTimes(1);
    read.mockRestore();
    const cpu = await onCpu(() => predict(referenceNetOps, c));
    expect(gpu.length).toBe(K * c.shape[0] * c.shape[1] * c.shape[2]);
    expect(relErr(gpu, cpu)).toBeLessThan(1e-5);
  });

  it('leaves the tensor count and bytes flat across two cases', async () => {
    await predict(webgpuNetOps, CASES[1]);
    const first = tf.memory();
    await predict(webgpuNetOps, CASES[2]);
    expect(tf.memory().numTensors).toBe(first.numTensors);
    expect(tf.memory().numBytes).toBe(first.numBytes);
  });
});
