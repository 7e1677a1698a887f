// One U-Net training step (deep-supervision-free loss, gradients, Nesterov SGD) on webgpu with the WGSL NetOps
// and the same step on tfjs-cpu with the stock-tfjs reference, from the same initial weights: shared by the
// WebGPU tests that hold a whole network to the reference.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { assignWeights } from '../../src/nn/checkpoint.js';
import { segmentationLoss } from '../../src/nn/loss/index.js';
import { referenceNetOps, useNetOps } from '../../src/nn/ops/index.js';
import { NesterovSgd } from '../../src/nn/optim/index.js';
import type { NetworkSpec } from '../../src/nn/unet/architecture.js';
import { UNet } from '../../src/nn/unet/index.js';
import { DeviceNesterovSgd } from '../../src/nn/webgpu/sgd.js';
import { webgpuNetOps } from '../../src/nn/webgpu/net-ops.js';
import { onCpu, rand, relErr, TOL } from './parity.js';

export const LOSS = { batchDice: true, ignoreLabel: null, regions: false };
export const SGD = { momentum: 0.99, weightDecay: 3e-5, nesterov: true };

/** A two-stage network of `kind` with 2 and 4 features, 3 classes, one input channel. */
export function tinyNet(dim: 2 | 3, kind: NetworkSpec['kind'] = 'plain'): UNet {
  const k = dim === 3 ? [3, 3, 1] : [3, 3];
  return new UNet({ kind, dim, inputChannels: 1, numClasses: 3, features: [2, 4], kernels: [k, k],
    strides: [dim === 3 ? [1, 1, 1] : [1, 1], dim === 3 ? [2, 2, 1] : [2, 2]], encoderDepth: [1, 1], decoderConvs: [1],
    convBias: true, normEps: 1e-5, slope: 0.01 }, 3);
}

/** Runs the step on both sides and asserts the loss and every updated parameter agree within TOL. */
export async function expectTrainStepParity(make: () => UNet, patch: number[]): Promise<void> {
  const xs = rand([2, ...patch, 1], 5);
  const labels = Float32Array.from(rand([2, ...patch, 1], 6), (v) => Math.floor((v + 1.7) / 3.4 * 3));
  const step = async (device: boolean, init?: Map<string, Float32Array>) => {
    const net = make();
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
}
