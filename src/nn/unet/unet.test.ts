import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { networkSpec, parameterCount, UNet, ArchitectureError, type PlansArchitecture } from './index.js';

const plans = JSON.parse(readFileSync(new URL('../../../test/train/fixtures/hippocampus-plans.json', import.meta.url), 'utf8'));
const arch3d: PlansArchitecture = plans.configurations['3d_fullres'].architecture;
const arch2d: PlansArchitecture = plans.configurations['2d'].architecture;
const NNUNET_HIPPOCAMPUS_3D_PARAMS = 5_603_177; // shared/bench/baselines.json

function tiny(dim: 2 | 3, cls = 'dynamic_network_architectures.architectures.unet.PlainConvUNet', extra: Record<string, unknown> = {}): PlansArchitecture {
  const k = (v: number) => new Array(dim).fill(v);
  return {
    network_class_name: cls,
    arch_kwargs: {
      n_stages: 3,
      features_per_stage: [4, 8, 8],
      conv_op: `torch.nn.modules.conv.Conv${dim}d`,
      kernel_sizes: [k(3), k(3), k(3)],
      strides: [k(1), dim === 3 ? [1, 2, 2] : k(2), k(2)],
      n_conv_per_stage: [2, 2, 2],
      n_conv_per_stage_decoder: [2, 2],
      conv_bias: true,
      norm_op: `torch.nn.modules.instancenorm.InstanceNorm${dim}d`,
      norm_op_kwargs: { eps: 1e-5, affine: true },
      dropout_op: null,
      dropout_op_kwargs: null,
      nonlin: 'torch.nn.LeakyReLU',
      nonlin_kwargs: { inplace: true },
      ...extra,
    },
    _kw_requires_import: [],
  };
}

describe('UNet parameter count', () => {
  it('equals nnU-Net for the Hippocampus 3d_fullres plan, from the rules and as allocated', () => {
    const spec = networkSpec(arch3d, 1, 3);
    const rules = parameterCount(spec);
    const net = new UNet(spec, 1);
    console.log(`Hippocampus 3d_fullres parameters: ours ${net.parameterCount()} (rules ${rules}), nnU-Net ${NNUNET_HIPPOCAMPUS_3D_PARAMS}`);
    expect(rules).toBe(NNUNET_HIPPOCAMPUS_3D_PARAMS);
    expect(net.parameterCount()).toBe(rules);
    net.dispose();
  });

  it('matches the rules for the 2d plan and for a residual-encoder network', () => {
    const spec2d = networkSpec(arch2d, 1, 3);
    const net2d = new UNet(spec2d, 1);
    console.log(`Hippocampus 2d parameters: ours ${net2d.parameterCount()}`);
    expect(net2d.parameterCount()).toBe(parameterCount(spec2d));
    net2d.dispose();
    const res = networkSpec(tiny(3, 'dynamic_network_architectures.architectures.unet.ResidualEncoderUNet', { n_blocks_per_stage: [1, 3, 4], n_conv_per_stage_decoder: [1, 1] }), 2, 4);
    const resNet = new UNet(res, 1);
    expect(resNet.parameterCount()).toBe(parameterCount(res));
    // hand count: stem 2->4 (3^3): 2*4*27+4+8 = 228; stage0 block 4->4: 2*(4*4*27+4+8) = 888;
    // stage1 block0 4->8 strided: 4*8*27+8+16 + 8*8*27+8+16 + proj 4*8+16 = 2688, blocks 1,2: 2*(2*(1728+24)) = 7008;
    // stage2 block0 8->8 strided: 2*(1752) = 3504, 3 more: 10512; decoder j0: transp 8*8*8+8=520, conv 16->8 3456+24=3480,
    // head 8*4+4=36; j1: transp 8*4*4+4=132, conv 8->4 864+12=876, head 4*4+4=20
    expect(parameterCount(res)).toBe(228 + 888 + 2688 + 7008 + 3504 + 10512 + 520 + 3480 + 36 + 132 + 876 + 20);
    resNet.dispose();
  });
});

describe('UNet forward', () => {
  it('3D: deep-supervision outputs per decoder stage, highest resolution first, anisotropic strides', () => {
    const net = new UNet(networkSpec(tiny(3), 1, 3), 7);
    const x = tf.randomNormal([2, 4, 8, 8, 1]);
    const outs = net.apply(x, { deepSupervision: true });
    expect(outs.map((o) => o.shape)).toEqual([[2, 4, 8, 8, 3], [2, 4, 4, 4, 3]]);
    const last = net.apply(x, { deepSupervision: false });
    expect(last.shape).toEqual([2, 4, 8, 8, 3]);
    expect(Array.from(last.dataSync())).toEqual(Array.from(outs[0].dataSync()));
    tf.dispose([x, last, ...outs]);
    net.dispose();
  });

  it('2D and residual-encoder networks run and keep the tensor count flat', () => {
    const net = new UNet(networkSpec(tiny(2, 'x.ResidualEncoderUNet', { n_blocks_per_stage: [1, 2, 2] }), 2, 2), 3);
    const x = tf.randomNormal([1, 8, 8, 2]);
    const before = tf.memory().numTensors;
    const y = net.apply(x);
    expect(y.shape).toEqual([1, 8, 8, 2]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });

  it('initialises as InitWeights_He(1e-2), and the same seed gives the same weights', () => {
    const spec = networkSpec(arch3d, 1, 3);
    const a = new UNet(spec, 42);
    const b = new UNet(spec, 42);
    const w = a.params.find((p) => p.name === 'encoder.stages.3.0.convs.1.conv.weight')!.variable;
    const std = Math.sqrt(tf.moments(w).variance.dataSync()[0]);
    expect(std).toBeCloseTo(Math.sqrt(2 / 1.0001) / Math.sqrt(256 * 27), 3);
    const t = a.params.find((p) => p.name === 'decoder.transpconvs.0.weight')!.variable;
    expect(t.shape).toEqual([2, 2, 2, 128, 256]);
    expect(Math.sqrt(tf.moments(t).variance.dataSync()[0])).toBeCloseTo(Math.sqrt(2 / 1.0001) / Math.sqrt(128 * 8), 3);
    expect(a.params.find((p) => p.name.endsWith('convs.0.conv.bias'))!.variable.dataSync().every((v) => v === 0)).toBe(true);
    expect(Array.from(w.dataSync().slice(0, 5))).toEqual(Array.from(b.params.find((p) => p.name === 'encoder.stages.3.0.convs.1.conv.weight')!.variable.dataSync().slice(0, 5)));
    a.dispose();
    b.dispose();
  });

  it('rejects unsupported architectures with every problem listed', () => {
    const bad = tiny(3);
    bad.arch_kwargs.norm_op = 'torch.nn.BatchNorm3d';
    bad.arch_kwargs.strides = [[1, 1, 1]];
    try {
      networkSpec(bad, 1, 3);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ArchitectureError);
      expect((e as ArchitectureError).code).toBe('ARCHITECTURE_INVALID');
      expect((e as ArchitectureError).issues.map((i) => i.path)).toEqual(['/arch_kwargs/norm_op', '/arch_kwargs/strides']);
    }
  });
});
