import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '../ops/index.js';
import { assignWeights } from '../checkpoint.js';
import { networkSpec, UNet, type PlansArchitecture } from './index.js';

// torch re-statement of dynamic-network-architectures' networks: test/train/fixtures/make-unet-golden.py
const golden = JSON.parse(readFileSync(new URL('../../../test/train/fixtures/unet-golden.json', import.meta.url), 'utf8'));

describe.each(['plain', 'resenc'])('%s network forward equals the PyTorch network with the same weights', (kind) => {
  it('every deep-supervision output, state_dict names and layouts mapped', () => {
    const g = golden[kind];
    const arch: PlansArchitecture = {
      network_class_name: kind === 'plain' ? 'PlainConvUNet' : 'ResidualEncoderUNet',
      arch_kwargs: {
        n_stages: 3, features_per_stage: g.arch.features, conv_op: 'torch.nn.modules.conv.Conv3d', kernel_sizes: g.arch.kernels,
        strides: g.arch.strides, [kind === 'plain' ? 'n_conv_per_stage' : 'n_blocks_per_stage']: g.arch.depth,
        n_conv_per_stage_decoder: g.arch.decoder, conv_bias: true, norm_op: 'torch.nn.modules.instancenorm.InstanceNorm3d',
        norm_op_kwargs: { eps: 1e-5, affine: true }, dropout_op: null, dropout_op_kwargs: null, nonlin: 'torch.nn.LeakyReLU',
        nonlin_kwargs: { inplace: true },
      },
      _kw_requires_import: [],
    };
    const net = new UNet(networkSpec(arch, 2, 3));
    const weights = new Map<string, Float32Array>(Object.entries(g.weights as Record<string, { data: number[] }>).map(([k, v]) => [k, Float32Array.from(v.data)]));
    expect(net.params.map((p) => p.name).sort()).toEqual([...weights.keys()].sort());
    for (const p of net.params) expect(p.variable.shape, p.name).toEqual(g.weights[p.name].shape);
    assignWeights(net, weights, 'golden');
    const x = tf.tensor(g.x, g.x_shape);
    const outs = net.apply(x, { deepSupervision: true });
    expect(outs.map((o) => o.shape)).toEqual(g.outputs.map((o: { shape: number[] }) => o.shape));
    outs.forEach((o, i) => {
      const got = o.dataSync();
      const want: number[] = g.outputs[i].data;
      let maxErr = 0;
      for (let j = 0; j < want.length; j++) maxErr = Math.max(maxErr, Math.abs(got[j] - want[j]));
      expect(maxErr).toBeLessThan(1e-3);
    });
    tf.dispose([x, ...outs]);
    net.dispose();
  });
});
