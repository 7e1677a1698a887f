// 100 training steps on the oneDNN kernels: tfjs tensor count flat, native primitive cache bounded, RSS flat.
import * as tf from '@tensorflow/tfjs-core';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { loadAddon } from '../../src/nn/kernels/addon.js';
import { FlatNesterovSgd } from '../../src/nn/kernels/sgd.js';
import '../../src/nn/ops/gradients.js';
import { segmentationLoss } from '../../src/nn/loss/index.js';
import { UNet } from '../../src/nn/unet/index.js';

/** RSS after a full GC: tfjs frees typed arrays only when V8 collects them, so raw RSS lags behind. */
function settledRss(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().rss;
}

describe.skipIf(!loadAddon())('no leaks over 100 steps', () => {
  afterAll(() => initBackend('cpu'));

  it('tensors, native primitives and RSS stay flat', async () => {
    // one thread: the test shares its cores with other suites, and an oversubscribed OpenMP pool crawls
    process.env.NNUNET_THREADS = '1';
    await initBackend('onednn');
    delete process.env.NNUNET_THREADS;
    const net = new UNet({ kind: 'plain', dim: 3, inputChannels: 1, numClasses: 3, features: [4, 8],
      kernels: [[3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [2, 2, 2]], encoderDepth: [2, 2], decoderConvs: [1],
      convBias: true, normEps: 1e-5, slope: 0.01 }, 1);
    const vars = net.params.map((p) => p.variable);
    const opt = new FlatNesterovSgd(vars, { momentum: 0.99, weightDecay: 3e-5 });
    const x = tf.randomNormal([2, 12, 12, 12, 1], 0, 1, 'float32', 5);
    const target = tf.floor(tf.randomUniform([2, 12, 12, 12, 1], 0, 3, 'float32', 6));
    const tensors: number[] = [];
    const rss: number[] = [];
    const primitives: number[] = [];
    for (let s = 0; s < 100; s++) {
      const { value, grads } = tf.variableGrads(
        () => segmentationLoss(net.apply(x), target, { batchDice: true, ignoreLabel: null, regions: false }), vars);
      opt.step(vars.map((v) => grads[v.name]), 0.01);
      tf.dispose([value, ...Object.values(grads)]);
      tensors.push(tf.memory().numTensors);
      if (s % 20 === 19) rss.push(settledRss());
      primitives.push(loadAddon()!.info().cachedPrimitives);
    }
    expect(new Set(tensors.slice(1)).size).toBe(1);
    expect(new Set(primitives.slice(1)).size).toBe(1);
    // after warm-up (primitive creation, V8 heap growth) the process must not keep growing
    const growthMiB = (rss[rss.length - 1] - rss[0]) / 2 ** 20;
    expect(growthMiB, `RSS after steps 20..100: ${rss.map((r) => (r / 2 ** 20).toFixed(0)).join(' ')} MiB`).toBeLessThan(16);
    tf.dispose([x, target]);
    net.dispose();
  });
});
