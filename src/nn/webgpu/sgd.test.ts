// DeviceNesterovSgd's WGSL update on the webgpu backend (SwiftShader in CI): the host optimizer's torch-exact steps
// (src/nn/optim/sgd.ts) within float32 rounding, a gated step that leaves parameters and momentum as they were even
// when its gradient is inf or NaN, and tensor bookkeeping: building, loading, stepping and disposing the momentum
// buffers leaves no tensor behind (each holds a network's worth of GPU memory).
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { NesterovSgd } from '../optim/index.js';
import { probeWebGpu } from './device.js';
import { DeviceNesterovSgd } from './sgd.js';

const SGD = { momentum: 0.99, weightDecay: 3e-5, nesterov: true };
const probe = await probeWebGpu();
if (!probe.adapter) console.warn(`DeviceNesterovSgd tests skipped: ${probe.why}`);

const values = async (t: tf.Tensor): Promise<number[]> => Array.from(await t.data());

describe.skipIf(!probe.adapter)('DeviceNesterovSgd on webgpu (SwiftShader in CI)', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  it('steps as the host optimizer, a parameter without gradient untouched, over lr changes', async () => {
    const init = [[0.5, -1, 2, 3, -0.25, 1], [4, -2]];
    const device = init.map((v) => tf.variable(tf.tensor(v, [v.length])));
    const opt = new DeviceNesterovSgd(device, SGD);
    const host = new NesterovSgd(init.map((v) => tf.variable(tf.tensor(v, [v.length]))), SGD);
    const hostParams = (host as unknown as { params: tf.Variable[] }).params;
    for (const [k, lr] of [0.01, 0.01, 0.005].entries()) {
      const grads = [tf.tensor1d([1, -2, 0.5, k, 3, -1].map((g) => g * (k + 1))), null];
      // the host optimizer reads its tensors synchronously: hand it host copies
      host.step([tf.tensor1d(await values(grads[0]!)), null], lr);
      opt.step(grads, lr);
      const [want, got] = [await Promise.all(hostParams.map(async (p) => (await p.data()) as Float32Array)), await Promise.all(device.map(values))];
      got.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));
    }
    expect(await values(device[1])).toEqual([4, -2]);
    const [deviceState, hostState] = [await opt.state(), host.state()];
    deviceState.buffers[0].forEach((v, j) => expect(v).toBeCloseTo(hostState.buffers[0][j], 5));
    opt.dispose();
    tf.dispose(device);
  });

  it('a step whose applyIf is false keeps parameters and momentum even with an inf / NaN gradient', async () => {
    const p = tf.variable(tf.tensor1d([1, 2, 3]));
    const opt = new DeviceNesterovSgd([p], SGD);
    opt.step([tf.tensor1d([1, 1, 1])], 0.1, tf.scalar(true, 'bool'));
    const after = await values(p);
    const momentum = (await opt.state()).buffers[0].slice();
    expect(after).not.toEqual([1, 2, 3]);
    opt.step([tf.tensor1d([NaN, Infinity, -Infinity])], 0.1, tf.scalar(false, 'bool'));
    expect(await values(p)).toEqual(after);
    expect((await opt.state()).buffers[0]).toEqual(momentum);
    opt.dispose();
    p.dispose();
  });

  it('construct, load, step, state and dispose leave tf.memory() where it was', async () => {
    const params = [tf.variable(tf.ones([3, 4])), tf.variable(tf.ones([5]))];
    const before = tf.memory();
    for (let round = 0; round < 2; round++) {
      const opt = new DeviceNesterovSgd(params, SGD);
      opt.load({ buffers: [new Float32Array(12).fill(0.5), new Float32Array(5).fill(-1)] });
      const grad = tf.onesLike(params[0]);
      const ok = tf.scalar(true, 'bool');
      opt.step([grad, null], 0.1, ok);
      tf.dispose([grad, ok]);
      const state = await opt.state();
      // 0.99 * 0.5 + (1 + 3e-5 * p): the loaded buffer took part in the step (from zero it would be ~1)
      expect(state.buffers[0][0]).toBeCloseTo(0.99 * 0.5 + 1, 4);
      expect(state.buffers[1][0]).toBe(-1);
      opt.dispose();
      expect(tf.memory().numTensors).toBe(before.numTensors);
      expect(tf.memory().numBytes).toBe(before.numBytes);
    }
    tf.dispose(params);
  });
});
