// A real U-Net training step (src/nn/unet + nnU-Net's loss) on pure tfjs and on the oneDNN kernels gives the
// same loss and parameter gradients; 3D with an anisotropic first stage (kernel [1,3,3], stride [1,2,2]) and 2D.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/nn/backend.js';
import { loadAddon } from '../../src/nn/kernels/addon.js';
import '../../src/nn/ops/gradients.js';
import { segmentationLoss } from '../../src/nn/loss/index.js';
import { UNet, type NetworkSpec } from '../../src/nn/unet/index.js';

function spec(dim: 2 | 3): NetworkSpec {
  const k = dim === 3 ? [[1, 3, 3], [3, 3, 3], [3, 3, 3]] : [[3, 3], [3, 3], [3, 3]];
  const s = dim === 3 ? [[1, 1, 1], [1, 2, 2], [2, 2, 2]] : [[1, 1], [2, 2], [2, 2]];
  return { kind: 'plain', dim, inputChannels: 2, numClasses: 3, features: [4, 8, 16], kernels: k, strides: s,
    encoderDepth: [2, 2, 2], decoderConvs: [1, 1], convBias: true, normEps: 1e-5, slope: 0.01 };
}

/** Loss and gradients of every parameter that gets one (deep-supervision heads stay unused without it). */
function step(net: UNet, x: tf.Tensor, target: tf.Tensor): { loss: number; grads: Map<string, Float32Array> } {
  const vars = net.params.map((p) => p.variable);
  const { value, grads } = tf.variableGrads(
    () => segmentationLoss(net.apply(x), target, { batchDice: false, ignoreLabel: null, regions: false }), vars);
  const out = new Map<string, Float32Array>();
  net.params.forEach((p) => {
    const g = grads[p.variable.name];
    if (g) out.set(p.name, g.dataSync() as Float32Array);
  });
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}

describe.skipIf(!loadAddon())('U-Net step: oneDNN kernels vs pure tfjs', () => {
  afterAll(() => initBackend('cpu'));

  for (const dim of [3, 2] as const) {
    it(`${dim}D: same loss and gradients`, async () => {
      await initBackend('cpu');
      const net = new UNet(spec(dim), 7);
      const shape = dim === 3 ? [2, 4, 16, 12] : [3, 16, 12];
      const x = tf.randomNormal([...shape, 2], 0, 1, 'float32', 3);
      const target = tf.floor(tf.randomUniform([...shape, 1], 0, 3, 'float32', 4));
      const reference = step(net, x, target);
      await initBackend('onednn');
      const native = step(net, x, target);
      expect(Math.abs(native.loss - reference.loss) / Math.abs(reference.loss)).toBeLessThan(1e-5);
      expect([...native.grads.keys()]).toEqual([...reference.grads.keys()]);
      // Conv biases in front of an instance norm have a true gradient of 0 (the norm removes any per-channel
      // constant): both sides are rounding noise there, so errors are measured against the overall gradient scale.
      const overall = Math.max(...[...reference.grads.values()].map((g) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
      for (const [name, r] of reference.grads) {
        const n = native.grads.get(name)!;
        let err = 0;
        let scale = 0;
        for (let i = 0; i < r.length; i++) {
          err = Math.max(err, Math.abs(n[i] - r[i]));
          scale = Math.max(scale, Math.abs(r[i]));
        }
        expect(err / Math.max(scale, 1e-2 * overall), name).toBeLessThan(1e-4);
      }
      tf.dispose([x, target]);
      net.dispose();
    });
  }
});
