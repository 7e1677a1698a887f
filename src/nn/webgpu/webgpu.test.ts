// WebGPU kernels against the stock-tfjs reference on tfjs-cpu, forward and gradients (odd shapes, 2D and 3D,
// anisotropic kernels and strides), a whole U-Net training step in 2D and 3D (plain, and a residual encoder, whose
// blocks end in a rank-5 LeakyReLU in 3D), and GPU memory over 100 steps.
// Runs on SwiftShader in CI (chromium ships its Vulkan ICD; libvulkan1 is the loader); skips, saying why, only
// where Dawn finds no adapter at all.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../ops/gradients.js';
import { backendInfo, initBackend } from '../backend.js';
import { segmentationLoss } from '../loss/index.js';
import { referenceNetOps, resetNetOps, useNetOps } from '../ops/index.js';
import { NesterovSgd } from '../optim/index.js';
import { UNet } from '../unet/index.js';
import type { NetworkKind } from '../unet/architecture.js';
import { assignWeights } from '../checkpoint.js';
import { probeWebGpu } from './device.js';
import { setConvPolicy, tunePendingConvs } from './conv-tuner.js';
import { throwOnGpuError } from './errors.js';
import { webgpuNetOps } from './net-ops.js';
import { expectParity, onCpu, rand, relErr, TOL, type Op } from '../../../test/gpu/parity.js';
import { DeviceNesterovSgd } from './sgd.js';

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

function tinyNet(dim: 2 | 3, kind: NetworkKind = 'plain'): UNet {
  const k = dim === 3 ? [3, 3, 1] : [3, 3];
  return new UNet({ kind, dim, inputChannels: 1, numClasses: 3, features: [2, 4], kernels: [k, k],
    strides: [dim === 3 ? [1, 1, 1] : [1, 1], dim === 3 ? [2, 2, 1] : [2, 2]], encoderDepth: [1, 1], decoderConvs: [1],
    convBias: true, normEps: 1e-5, slope: 0.01 }, 3);
}

const LOSS = { batchDice: true, ignoreLabel: null, regions: false };
const SGD = { momentum: 0.99, weightDecay: 3e-5, nesterov: true };

describe.skipIf(!probe.adapter)('webgpu backend (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it.each(CASES)('%s matches the reference, forward and backward', async (_name, op, shapes) => {
    await expectParity(webgpuNetOps, op, shapes);
  });

  it.each([[2, 'plain'], [3, 'plain'], [3, 'resenc']] as const)('a %iD %s U-Net training step (loss, gradients, Nesterov SGD) matches', async (dim, kind) => {
    const patch = dim === 3 ? [4, 6, 3] : [6, 4];
    const xs = rand([2, ...patch, 1], 5);
    const labels = Float32Array.from(rand([2, ...patch, 1], 6), (v) => Math.floor((v + 1.7) / 3.4 * 3));
    const step = async (device: boolean, init?: Map<string, Float32Array>) => {
      const net = tinyNet(dim, kind);
      if (init) assignWeights(net, init, 'test');
      const start = new Map(await Promise.all(net.params.map(async (p) => [p.name, (await p.variable.data()) as Float32Array] as const)));
      const vars = net.params.map((p) => p.variable);
      const x = tf.tensor(xs, [2, ...patch, 1]);
      const t = tf.tensor(labels, [2, ...patch, 1]);
      const { value, grads } = tf.variableGrads(() => segmentationLoss(net.apply(x), t, LOSS), vars);
      const list = vars.map((v) => grads[v.name] ?? null);
      const opt = device ? new DeviceNesterovSgd(vars, SGD) : new NesterovSgd(vars, SGD);
      opt.step(list, 0.01);
      const loss = (await value.data())[0];
      const after = await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
      tf.dispose([x, t, value, ...Object.values(grads)]);
      opt.dispose();
      net.dispose();
      return { loss, start, after };
    };
    const gpu = await step(true);
    const cpu = await onCpu(async () => {
      useNetOps({ ...referenceNetOps });
      try {
        return await step(false, gpu.start);
      } finally {
        useNetOps(webgpuNetOps);
      }
    });
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(TOL * Math.max(1, Math.abs(cpu.loss)));
    gpu.after.forEach((a, i) => expect(relErr(a, cpu.after[i], 1e-2), `parameter ${i}`).toBeLessThan(TOL));
  });

  // under each conv kernel policy: the GEMM, tfjs's stock kernels, and tuned (timed after the first step)
  it.each(['gemm', 'stock', 'tune'] as const)('GPU memory stays flat over 100 training steps (convs: %s)', async (policy) => {
    useNetOps(webgpuNetOps);
    setConvPolicy(policy);
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
      if (i === 0) expect((await tunePendingConvs()).length > 0).toBe(policy === 'tune');
      counts.push(tf.memory());
    }
    setConvPolicy('gemm');
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

  it('starts in f32 on SwiftShader, refuses NNUNET_AMP=on without shader-f16, and names a bad NNUNET_AMP', async () => {
    expect(backendInfo()?.precision).toEqual({ precision: 'f32', why: expect.stringMatching(/no shader-f16/) });
    for (const [value, code, message] of [['on', 'BACKEND_NO_F16', /needs the WebGPU feature shader-f16.*set NNUNET_AMP=auto or off/],
      ['fp16', 'BACKEND_BAD_AMP', /NNUNET_AMP must be one of auto, on, off, got 'fp16'/]] as const) {
      process.env.NNUNET_AMP = value;
      try {
        await expect(initBackend('webgpu')).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
      } finally {
        delete process.env.NNUNET_AMP;
      }
      // read before anything changed: the running backend is untouched
      expect(tf.getBackend()).toBe('webgpu');
    }
  });
});
