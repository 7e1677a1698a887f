import { describe, expect, it } from 'vitest';
import { resolveConfiguration } from './resolve.js';
import type { ConfigurationEntry } from './format.js';

const full = { data_identifier: 'nnUNetPlans_3d_fullres', batch_size: 2, patch_size: [64, 64, 64], batch_dice: true };

describe('resolveConfiguration', () => {
  it('merges the parent with the child keys', () => {
    const configurations: Record<string, ConfigurationEntry> = {
      '3d_fullres': full,
      '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' },
      big: { inherits_from: '3d_cascade_fullres', batch_size: 4 },
    };
    expect(resolveConfiguration({ configurations }, 'big')).toEqual({
      ...full, inherits_from: '3d_cascade_fullres', previous_stage: '3d_lowres', batch_size: 4,
    });
  });

  it('reports cycles and unknown names with a code', () => {
    const configurations: Record<string, ConfigurationEntry> = {
      a: { inherits_from: 'b' }, b: { inherits_from: 'a' }, c: { inherits_from: 'zzz' },
    };
    expect(() => resolveConfiguration({ configurations }, 'a')).toThrow(expect.objectContaining({ code: 'PLANS_INHERITANCE_CYCLE' }));
    expect(() => resolveConfiguration({ configurations }, 'c')).toThrow(expect.objectContaining({ code: 'PLANS_UNKNOWN_CONFIGURATION' }));
  });

  // the 2d configuration of a plans file from an nnU-Net release before the `architecture` block
  const flat = {
    data_identifier: 'nnUNetPlans_2d', batch_size: 12, patch_size: [256, 224], batch_dice: true,
    UNet_class_name: 'PlainConvUNet', UNet_base_num_features: 32,
    n_conv_per_stage_encoder: [2, 2, 2, 2, 2, 2], n_conv_per_stage_decoder: [2, 2, 2, 2, 2],
    num_pool_per_axis: [5, 5], pool_op_kernel_sizes: [[1, 1], [2, 2], [2, 2], [2, 2], [2, 2], [2, 2]],
    conv_kernel_sizes: [[3, 3], [3, 3], [3, 3], [3, 3], [3, 3], [3, 3]], unet_max_num_features: 512,
  };

  it('rebuilds the architecture block from old-format flat keys, as nnU-Net v2.8.1 reads them', () => {
    const c = resolveConfiguration({ configurations: { '2d': flat as ConfigurationEntry } }, '2d');
    expect(Object.keys(c)).toEqual(['data_identifier', 'batch_size', 'patch_size', 'batch_dice', 'architecture']);
    expect(c.architecture).toEqual({
      network_class_name: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
      arch_kwargs: {
        n_stages: 6, features_per_stage: [32, 64, 128, 256, 512, 512], conv_op: 'torch.nn.modules.conv.Conv2d',
        kernel_sizes: flat.conv_kernel_sizes, strides: flat.pool_op_kernel_sizes,
        n_conv_per_stage: [2, 2, 2, 2, 2, 2], n_conv_per_stage_decoder: [2, 2, 2, 2, 2], conv_bias: true,
        norm_op: 'torch.nn.modules.instancenorm.InstanceNorm2d', norm_op_kwargs: { eps: 1e-5, affine: true },
        dropout_op: null, dropout_op_kwargs: null, nonlin: 'torch.nn.LeakyReLU', nonlin_kwargs: { inplace: true },
      },
      _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
    });
  });

  it('old-format residual encoders get blocks per stage; other classes and missing keys are errors', () => {
    const res = resolveConfiguration({ configurations: { c: { ...flat, UNet_class_name: 'ResidualEncoderUNet' } as ConfigurationEntry } }, 'c');
    expect(res.architecture.network_class_name).toBe('dynamic_network_architectures.architectures.residual_unet.ResidualEncoderUNet');
    expect(res.architecture.arch_kwargs.n_blocks_per_stage).toEqual([2, 2, 2, 2, 2, 2]);
    expect(res.architecture.arch_kwargs.n_conv_per_stage).toBeUndefined();
    const other = { configurations: { c: { ...flat, UNet_class_name: 'MyUNet' } as ConfigurationEntry } };
    expect(() => resolveConfiguration(other, 'c')).toThrow(expect.objectContaining({ code: 'PLANS_UNKNOWN_ARCHITECTURE' }));
    const { conv_kernel_sizes: _dropped, ...lacking } = flat;
    const incomplete = { configurations: { c: lacking as ConfigurationEntry } };
    expect(() => resolveConfiguration(incomplete, 'c')).toThrow(expect.objectContaining({
      code: 'PLANS_INCOMPLETE_ARCHITECTURE', message: expect.stringContaining('conv_kernel_sizes') }));
  });
});
