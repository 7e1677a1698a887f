import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import '../../nn/ops/index.js';
import { ensureBackend } from '../../nn/backend.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../nn/unet/index.js';
import { decodeModel } from './proto.js';
import { unetToOnnx } from './export-onnx.js';
import { INPUT_NAME, OUTPUT_NAME } from './unet-graph.js';

interface Case {
  kind: 'plain' | 'resenc';
  dim: 2 | 3;
  kernels: number[][];
  strides: number[][];
  convBias: boolean;
  /** NC(D)HW inputs run through one session: dynamic batch and spatial axes */
  inputs: number[][];
}

// Anisotropic strides leave odd sizes on some axes (depth 5, width 7 after one stride); kernels of 1 and 3 mixed.
const cases: Record<string, Case> = {
  '2d plain': { kind: 'plain', dim: 2, kernels: [[3, 3], [3, 3], [3, 1]], strides: [[1, 1], [2, 1], [2, 2]], convBias: true, inputs: [[2, 2, 12, 14], [1, 2, 20, 6]] },
  '3d plain': { kind: 'plain', dim: 3, kernels: [[1, 3, 3], [3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [1, 2, 2], [1, 2, 2]], convBias: false, inputs: [[1, 2, 5, 12, 8], [2, 2, 3, 8, 12]] },
  '2d resenc': { kind: 'resenc', dim: 2, kernels: [[3, 3], [3, 3], [3, 3]], strides: [[1, 1], [2, 2], [2, 1]], convBias: true, inputs: [[2, 2, 12, 14]] },
  '3d resenc': { kind: 'resenc', dim: 3, kernels: [[1, 3, 3], [3, 3, 3], [3, 3, 3]], strides: [[1, 1, 1], [1, 2, 2], [2, 2, 2]], convBias: false, inputs: [[1, 2, 6, 8, 12], [2, 2, 2, 4, 4]] },
};

// the backend predict uses (oneDNN kernels where built, else stock tfjs)
beforeAll(() => ensureBackend());

function network(c: Case): UNet {
  const d = c.dim === 3 ? '3d' : '2d';
  const arch: PlansArchitecture = {
    network_class_name: c.kind === 'plain' ? 'dynamic_network_architectures.architectures.unet.PlainConvUNet' : 'dynamic_network_architectures.architectures.unet.ResidualEncoderUNet',
    arch_kwargs: {
      n_stages: 3, features_per_stage: [4, 6, 8], conv_op: `torch.nn.modules.conv.Conv${d}`, kernel_sizes: c.kernels, strides: c.strides,
      [c.kind === 'plain' ? 'n_conv_per_stage' : 'n_blocks_per_stage']: [1, 2, 2], n_conv_per_stage_decoder: [1, 2], conv_bias: c.convBias,
      norm_op: `torch.nn.modules.instancenorm.InstanceNorm${d}`, norm_op_kwargs: { eps: 1e-5, affine: true }, dropout_op: null, dropout_op_kwargs: null,
      nonlin: 'torch.nn.LeakyReLU', nonlin_kwargs: { inplace: true, negative_slope: 0.02 },
    },
    _kw_requires_import: [],
  };
  const net = new UNet(networkSpec(arch, 2, 3), 11);
  // every parameter random (the ResEnc init zeroes the last norm of each block, which would hide that path)
  net.params.forEach((p, i) => tf.tidy(() => p.variable.assign(tf.randomNormal(p.variable.shape, 0.1, 0.5, 'float32', 1000 + i))));
  return net;
}

/** ours on the NC(D)HW input: channels last in, logits back to channels first */
function ours(net: UNet, data: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => {
    const r = shape.length;
    const toLast = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
    const toFirst = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
    const y = net.apply(tf.transpose(tf.tensor(data, shape), toLast));
    return tf.transpose(y, toFirst).dataSync() as Float32Array;
  });
}

describe.each(Object.entries(cases))('ONNX export of a %s U-Net', (_, c) => {
  it('onnxruntime logits equal ours to 1e-4 (dynamic batch and spatial sizes)', async () => {
    const net = network(c);
    try {
      const bytes = unetToOnnx(net, 'test');
      const session = await ort.InferenceSession.create(bytes);
      expect(session.inputNames).toEqual([INPUT_NAME]);
      expect(session.outputNames).toEqual([OUTPUT_NAME]);
      for (const [k, shape] of c.inputs.entries()) {
        const n = shape.reduce((a, b) => a * b, 1);
        const data = tf.tidy(() => tf.randomNormal([n], 0, 1, 'float32', 7 + k).dataSync() as Float32Array);
        const out = (await session.run({ [INPUT_NAME]: new ort.Tensor('float32', data, shape) }))[OUTPUT_NAME];
        expect(out.dims).toEqual([shape[0], 3, ...shape.slice(2)]);
        const want = ours(net, data, shape);
        const got = out.data as Float32Array;
        let maxErr = 0;
        for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
        expect(maxErr).toBeLessThan(1e-4);
        // a real signal, not two zero tensors
        expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(0.1);
      }
      await session.release();
    } finally {
      net.dispose();
    }
  });
});

describe('ONNX protobuf', () => {
  it('round-trips through the declared schema with state_dict names and PyTorch weight layouts', () => {
    const net = network(cases['3d plain']);
    try {
      const m = decodeModel(unetToOnnx(net, 'g'));
      expect(m.irVersion).toBe(8);
      // the default (empty) domain is the standard ONNX operator set; proto3 leaves it off the wire
      expect(m.opsetImport.map((o) => [o.domain ?? '', o.version])).toEqual([['', 17]]);
      const byName = new Map(m.graph.initializer.map((t) => [t.name, t]));
      // deep supervision off: only the last segmentation layer of the heads is in the graph
      expect([...byName.keys()].sort()).toEqual(net.params.map((p) => p.name).filter((p) => !p.startsWith('decoder.seg_layers.0.')).sort());
      // conv [...k, Cin, Cout] -> [Cout, Cin, ...k]; transposed conv [...k, Cout, Cin] -> [Cin, Cout, ...k]
      expect(byName.get('encoder.stages.1.0.convs.0.conv.weight')!.dims).toEqual([6, 4, 3, 3, 3]);
      expect(byName.get('decoder.transpconvs.0.weight')!.dims).toEqual([8, 6, 1, 2, 2]);
      expect(new Set(m.graph.node.map((n) => n.opType))).toEqual(new Set(['Conv', 'InstanceNormalization', 'LeakyRelu', 'ConvTranspose', 'Concat']));
      expect(m.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 2 }, { dimParam: 'depth' }, { dimParam: 'height' }, { dimParam: 'width' }]);
    } finally {
      net.dispose();
    }
  });
});
