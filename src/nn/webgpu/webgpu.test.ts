// WebGPU kernels against the stock-tfjs reference on tfjs-cpu, forward and gradients (odd shapes, 2D and 3D,
// anisotropic kernels and strides), a whole U-Net training step in 2D and 3D, and GPU memory over 100 steps.
// Runs on SwiftShader in CI (chromium ships its Vulkan ICD; libvulkan1 is the loader); skips, saying why, only
// where Dawn finds no adapter at all.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../ops/gradients.js';
import { initBackend } from '../backend.js';
import { segmentationLoss } from '../loss/index.js';
import { resetNetOps } from '../ops/index.js';
import { probeWebGpu } from './device.js';
import { throwOnGpuError } from './errors.js';
import { webgpuNetOps } from './net-ops.js';
import { expectParity, rand, type Op } from '../../../test/gpu/parity.js';
import { DeviceNesterovSgd } from './sgd.js';
import { expectTrainStepParity, LOSS, SGD, tinyNet } from '../../../test/gpu/train-step.js';

const probe = await probeWebGpu();
if (!probe.adapter) console.warn(`webgpu tests skipped: ${probe.why}`);

const CASES: Array<[string, Op, number[][]]> = [
  ['conv 3D anisotropic kernel and stride, odd sizes', (o, [x, w, b]) => o.conv(x, w, b, [1, 2, 1], [1, 1, 0]), [[2, 5, 7, 6, 3], [3, 3, 1, 3, 4], [4]]],
  ['conv 3D, wider channels (multi-column tiles)', (o, [x, w, b]) => o.conv(x, w, b, [2, 1, 1], [1, 1, 1]), [[1, 3, 4, 5, 20], [3, 3, 3, 20, 40], [40]]],
  ['conv 2D stride 2, no bias', (o, [x, w]) => o.conv(x, w, null, [2, 1], [1, 0]), [[2, 9, 7, 5], [3, 1, 5, 6]]],
  ['transposed conv 3D, anisotropic kernel == stride', (o, [x, w, b]) => o.convTranspose(x, w, b, [2, 2, 1]), [[2, 3, 4, 5, 6], [2, 2, 1, 3, 6], [3]]],
  ['transposed conv 2D', (o, [x, w, b]) => o.convTranspose(x, w, b, [2, 2]), [[1, 3, 5, 4], [2, 2, 3, 4], [3]]],
  ['concat channels', (o, [a, b]) => o.concatChannels(a, b), [[2, 3, 4, 5, 2], [2, 3, 4, 5, 3]]],
];

describe.skipIf(!probe.adapter)('webgpu backend (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it.each(CASES)('%s matches the reference, forward and backward', async (_name, op, shapes) => {
    await expectParity(webgpuNetOps, op, shapes);
  });

  it.each([2, 3] as const)('a %iD U-Net training step (loss, gradients, Nesterov SGD) matches', async (dim) => {
    await expectTrainStepParity(() => tinyNet(dim), dim === 3 ? [4, 6, 3] : [6, 4]);
  });

  it('GPU memory stays flat over 100 training steps', async () => {
    const net = tinyNet(2);
    const vars = net.params.map((p) => p.variable);
    const opt = new DeviceNesterovSgd(vars, SGD);
    const x = tf.tensor(rand([1, 4, 4, 1], 7), [1, 4, 4, 1]);
    const t = tf.tensor(Float32Array.from(rand([1, 4, 4, 1], 8), (v) => (v > 0 ? 1 : 0)), [1, 4, 4, 1]);
    const counts: Array<{ numTensors: number; numBytes: number }> = [];
    for (let i = 0; i < 100; i++) {
      const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), t, LOSS), vars);
      opt.step(vars.map((v) => grads[v.name] ?? null), 0.01);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory());
    }
    expect(counts[99].numTensors).toBe(counts[1].numTensors);
    expect(counts[99].numBytes).toBe(counts[1].numBytes);
    tf.dispose([x, t]);
    opt.dispose();
    net.dispose();
    resetNetOps();
  });

  it('a GPU validation error fails the next read-back instead of passing silently', async () => {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    // MAP_READ may only pair with COPY_DST: Dawn reports this as an uncapturederror event, not an exception
    device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    const x = tf.tensor([1, 2, 3]);
    let thrown: unknown;
    for (let i = 0; i < 50 && !thrown; i++) {
      await x.data();
      await new Promise((r) => setTimeout(r, 20));
      try {
        throwOnGpuError('the test');
      } catch (e) {
        thrown = e;
      }
    }
    x.dispose();
    expect((thrown as { code?: string })?.code).toBe('WEBGPU_ERROR');
    expect(String((thrown as Error).message)).toContain('the test');
    expect(() => throwOnGpuError('the test')).not.toThrow();
  });
});
