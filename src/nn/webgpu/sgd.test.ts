// DeviceNesterovSgd is plain tfjs ops, so its tensor bookkeeping is checked on tfjs-cpu: building, loading and
// disposing the momentum buffers must leave no tensor behind (each one holds a network's worth of GPU memory).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceNesterovSgd } from './sgd.js';

const SGD = { momentum: 0.99, weightDecay: 3e-5, nesterov: true };

describe('DeviceNesterovSgd memory', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('construct, load, step, state and dispose leave tf.memory() where it was', async () => {
    const params = [tf.variable(tf.ones([3, 4])), tf.variable(tf.ones([5]))];
    const before = tf.memory();
    for (let round = 0; round < 2; round++) {
      const opt = new DeviceNesterovSgd(params, SGD);
      opt.load({ buffers: [new Float32Array(12).fill(0.5), new Float32Array(5).fill(-1)] });
      const grad = tf.onesLike(params[0]);
      opt.step([grad, null], 0.1);
      grad.dispose();
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
