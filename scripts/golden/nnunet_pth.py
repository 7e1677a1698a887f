#!/usr/bin/env python3
"""Golden nnU-Net checkpoints for src/interop/pth: PlainConvUNet and ResidualEncoderUNet re-stated in torch with
the module structure of dynamic-network-architectures, so the state_dict has nnU-Net's exact keys, including the
aliases a real one holds (every ConvDropoutNormReLU's `all_modules.N` and the decoder's `decoder.encoder.*`).
Each network is saved with torch.save as nnUNetTrainer.save_checkpoint does (network_weights, optimizer_state,
grad_scaler_state, logging with numpy floats, _best_ema, current_epoch, init_args with plans, dataset_json and a
torch.device, trainer_name, inference_allowed_mirroring_axes), with a fixed input and the torch logits.

Usage: /usr/bin/python3 scripts/golden/nnunet_pth.py [out_dir=test/interop/fixtures]
Writes <name>.pth, <name>.x.npy (N, C, ...spatial float32) and <name>.logits.npy for name in
plain3d, resenc3d, plain2d, resenc2d (optimizer momentum only in plain3d, to keep the fixtures small), and
zip64.zip for the zip64 reader. Also checks that torch.load(weights_only=True) accepts what we read.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/interop/fixtures'
LRELU = 0.01


def ops(dim):
    return (nn.Conv3d, nn.InstanceNorm3d, nn.ConvTranspose3d, nn.AvgPool3d) if dim == 3 else (nn.Conv2d, nn.InstanceNorm2d, nn.ConvTranspose2d, nn.AvgPool2d)


class ConvDropoutNormReLU(nn.Module):
    def __init__(self, dim, cin, cout, k, s, bias, act=True):
        super().__init__()
        conv, norm, _, _ = ops(dim)
        self.conv = conv(cin, cout, k, s, [(i - 1) // 2 for i in k], bias=bias)
        self.norm = norm(cout, eps=1e-5, affine=True)
        mods = [self.conv, self.norm]
        if act:
            self.nonlin = nn.LeakyReLU(LRELU, inplace=True)
            mods.append(self.nonlin)
        self.all_modules = nn.Sequential(*mods)

    def forward(self, x):
        return self.all_modules(x)


class StackedConvBlocks(nn.Module):
    def __init__(self, dim, n, cin, cout, k, s, bias):
        super().__init__()
        one = [1] * dim
        self.convs = nn.Sequential(*[ConvDropoutNormReLU(dim, cin if i == 0 else cout, cout, k, s if i == 0 else one, bias) for i in range(n)])

    def forward(self, x):
        return self.convs(x)


class BasicBlockD(nn.Module):
    def __init__(self, dim, cin, cout, k, s, bias):
        super().__init__()
        one = [1] * dim
        self.conv1 = ConvDropoutNormReLU(dim, cin, cout, k, s, bias)
        self.conv2 = ConvDropoutNormReLU(dim, cout, cout, k, one, bias, act=False)
        self.nonlin2 = nn.LeakyReLU(LRELU, inplace=True)
        skip = []
        if any(i != 1 for i in s):
            skip.append(ops(dim)[3](s, s))
        if cin != cout:
            skip.append(ConvDropoutNormReLU(dim, cin, cout, one, one, False, act=False))
        self.skip = nn.Sequential(*skip) if skip else (lambda x: x)

    def forward(self, x):
        return self.nonlin2(self.conv2(self.conv1(x)) + self.skip(x))


class StackedResidualBlocks(nn.Module):
    def __init__(self, dim, n, cin, cout, k, s, bias):
        super().__init__()
        one = [1] * dim
        self.blocks = nn.Sequential(*[BasicBlockD(dim, cin if i == 0 else cout, cout, k, s if i == 0 else one, bias) for i in range(n)])

    def forward(self, x):
        return self.blocks(x)


class Encoder(nn.Module):
    def __init__(self, kind, dim, cin, a):
        super().__init__()
        feats, ks, ss = a['features_per_stage'], a['kernel_sizes'], a['strides']
        bias = a['conv_bias']
        if kind == 'resenc':
            self.stem = StackedConvBlocks(dim, 1, cin, feats[0], ks[0], [1] * dim, bias)
            cin = feats[0]
        else:
            self.stem = None
        stages = []
        for i, f in enumerate(feats):
            if kind == 'plain':
                stages.append(nn.Sequential(StackedConvBlocks(dim, a['n_conv_per_stage'][i], cin, f, ks[i], ss[i], bias)))
            else:
                stages.append(StackedResidualBlocks(dim, a['n_blocks_per_stage'][i], cin, f, ks[i], ss[i], bias))
            cin = f
        self.stages = nn.Sequential(*stages)

    def forward(self, x):
        if self.stem is not None:
            x = self.stem(x)
        skips = []
        for s in self.stages:
            x = s(x)
            skips.append(x)
        return skips


class UNetDecoder(nn.Module):
    def __init__(self, encoder, dim, a, ncls):
        super().__init__()
        self.encoder = encoder  # dynamic-network-architectures keeps this reference: the state_dict repeats the encoder
        feats, ks, ss, dec = a['features_per_stage'], a['kernel_sizes'], a['strides'], a['n_conv_per_stage_decoder']
        conv, _, transp, _ = ops(dim)
        n = len(feats)
        stages, transpconvs, seg_layers = [], [], []
        for s in range(1, n):
            below, skip = feats[-s], feats[-(s + 1)]
            transpconvs.append(transp(below, skip, ss[-s], ss[-s], bias=a['conv_bias']))
            stages.append(StackedConvBlocks(dim, dec[s - 1], 2 * skip, skip, ks[-(s + 1)], [1] * dim, a['conv_bias']))
            seg_layers.append(conv(skip, ncls, 1, 1, 0, bias=True))
        self.stages = nn.ModuleList(stages)
        self.transpconvs = nn.ModuleList(transpconvs)
        self.seg_layers = nn.ModuleList(seg_layers)

    def forward(self, skips):
        low = skips[-1]
        for s in range(len(self.stages)):
            x = torch.cat((self.transpconvs[s](low), skips[-(s + 2)]), 1)
            x = self.stages[s](x)
            low = x
        return self.seg_layers[-1](low)


class Net(nn.Module):
    def __init__(self, kind, dim, cin, a, ncls):
        super().__init__()
        self.encoder = Encoder(kind, dim, cin, a)
        self.decoder = UNetDecoder(self.encoder, dim, a, ncls)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def arch(kind, dim):
    k3, one = [3] * dim, [1] * dim
    conv = f'torch.nn.modules.conv.Conv{dim}d'
    kw = {
        'n_stages': 3, 'features_per_stage': [4, 6, 8], 'conv_op': conv,
        'kernel_sizes': [([1] + [3] * (dim - 1)) if dim == 3 else k3, k3, k3],
        'strides': [one, [1] + [2] * (dim - 1) if dim == 3 else [2] * dim, [2] * dim],
        'n_conv_per_stage_decoder': [1, 2], 'conv_bias': True,
        'norm_op': f'torch.nn.modules.instancenorm.InstanceNorm{dim}d', 'norm_op_kwargs': {'eps': 1e-05, 'affine': True},
        'dropout_op': None, 'dropout_op_kwargs': None, 'nonlin': 'torch.nn.LeakyReLU', 'nonlin_kwargs': {'inplace': True},
    }
    if kind == 'plain':
        kw['n_conv_per_stage'] = [2, 2, 2]
        cls = 'dynamic_network_architectures.architectures.unet.PlainConvUNet'
    else:
        kw['n_blocks_per_stage'] = [1, 2, 2]
        cls = 'dynamic_network_architectures.architectures.unet.ResidualEncoderUNet'
    return {'network_class_name': cls, 'arch_kwargs': kw, '_kw_requires_import': ['conv_op', 'norm_op', 'dropout_op', 'nonlin']}


def plans(configuration, a, dim):
    patch = [8, 16, 16] if dim == 3 else [16, 16]
    cfg = {
        'data_identifier': f'nnUNetPlans_{configuration}', 'preprocessor_name': 'DefaultPreprocessor', 'batch_size': 2,
        'patch_size': patch, 'median_image_size_in_voxels': patch, 'spacing': [1.0] * dim,
        'normalization_schemes': ['ZScoreNormalization', 'ZScoreNormalization'], 'use_mask_for_norm': [False, False],
        'resampling_fn_data': 'resample_data_or_seg_to_shape', 'resampling_fn_seg': 'resample_data_or_seg_to_shape',
        'resampling_fn_data_kwargs': {'is_seg': False, 'order': 3, 'order_z': 0, 'force_separate_z': None},
        'resampling_fn_seg_kwargs': {'is_seg': True, 'order': 1, 'order_z': 0, 'force_separate_z': None},
        'resampling_fn_probabilities': 'resample_data_or_seg_to_shape',
        'resampling_fn_probabilities_kwargs': {'is_seg': False, 'order': 1, 'order_z': 0, 'force_separate_z': None},
        'architecture': a, 'batch_dice': False,
    }
    return {
        'dataset_name': 'Dataset998_Golden', 'plans_name': 'nnUNetPlans', 'original_median_spacing_after_transp': [1.0] * 3,
        'original_median_shape_after_transp': [8, 16, 16], 'image_reader_writer': 'SimpleITKIO',
        'transpose_forward': [0, 1, 2], 'transpose_backward': [0, 1, 2], 'configurations': {configuration: cfg},
        'experiment_planner_used': 'ExperimentPlanner', 'label_manager': 'LabelManager',
        'foreground_intensity_properties_per_channel': {},
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    dataset = {'channel_names': {'0': 'T1', '1': 'T2'}, 'labels': {'background': 0, 'a': 1, 'b': 2}, 'numTraining': 4, 'file_ending': '.nii.gz'}
    for kind in ('plain', 'resenc'):
        for dim in (3, 2):
            name = f'{kind}{dim}d'
            configuration = '3d_fullres' if dim == 3 else '2d'
            a = arch(kind, dim)
            net = Net(kind, dim, 2, a['arch_kwargs'], 3)
            with torch.no_grad():
                for p in net.parameters():  # random, not the init: every path and every norm affine matters
                    p.copy_(torch.randn_like(p) * 0.5)
            opt = torch.optim.SGD(net.parameters(), 0.01, momentum=0.99, nesterov=True, weight_decay=3e-5)
            net(torch.randn(1, 2, *([8, 16, 16] if dim == 3 else [16, 16]))).sum().backward()
            if name == 'plain3d':  # momentum buffers, as in a real checkpoint (one network is enough: they double the size)
                opt.step()
            opt.zero_grad()
            x = torch.randn(1, 2, *([4, 8, 8] if dim == 3 else [8, 8]))
            net.eval()
            with torch.no_grad():
                y = net(x)
            ckpt = {
                'network_weights': net.state_dict(),
                'optimizer_state': opt.state_dict(),
                'grad_scaler_state': None,
                'logging': {'mean_fg_dice': [np.float64(0.5), np.float64(0.75)], 'ema_fg_dice': [np.float64(0.5), np.float64(0.525)],
                            'dice_per_class_or_region': [[0.5, 0.5], [0.7, 0.8]], 'train_losses': [np.float32(-0.1), np.float32(-0.3)],
                            'val_losses': [np.array(-0.2, dtype=np.float32), np.array([-0.4, 0.1], dtype=np.float64)],
                            'lrs': [0.01, 0.00999], 'epoch_start_timestamps': [1.7e9, 1.7e9 + 10], 'epoch_end_timestamps': [1.7e9 + 9, 1.7e9 + 19]},
                '_best_ema': np.float64(0.525),
                'current_epoch': 2,
                'init_args': {'plans': plans(configuration, a, dim), 'configuration': configuration, 'fold': 0,
                              'dataset_json': dataset, 'unpack_dataset': True, 'device': torch.device('cuda')},
                'trainer_name': 'nnUNetTrainer',
                'inference_allowed_mirroring_axes': (0, 1, 2) if dim == 3 else (0, 1),
            }
            torch.save(ckpt, os.path.join(OUT, f'{name}.pth'))
            np.save(os.path.join(OUT, f'{name}.x.npy'), x.numpy().astype(np.float32))
            np.save(os.path.join(OUT, f'{name}.logits.npy'), y.numpy().astype(np.float32))
            print(name, sum(p.numel() for p in net.parameters()), 'parameters,', len(ckpt['network_weights']), 'state_dict keys')
    with open(os.path.join(OUT, 'golden-dataset.json'), 'w') as f:
        json.dump(dataset, f, indent=1)


def write_zip64():
    """zip64.zip: Python's zipfile forced (by lowering its limits) to write zip64 extra fields and end record."""
    import zipfile
    zipfile.ZIP64_LIMIT = 4
    zipfile.ZIP_FILECOUNT_LIMIT = 1
    with zipfile.ZipFile(os.path.join(OUT, 'zip64.zip'), 'w', zipfile.ZIP_DEFLATED) as z:
        fixed = (2020, 1, 1, 0, 0, 0)  # no clock in the fixture
        z.writestr(zipfile.ZipInfo('a/data.txt', fixed), 'hello zip64 ' * 10, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo('a/stored.bin', fixed), b'\x00\x01\x02' * 5, compress_type=zipfile.ZIP_STORED)


if __name__ == '__main__':
    main()
    write_zip64()
