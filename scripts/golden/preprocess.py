#!/usr/bin/env python3
"""Golden fixtures for nodes/preprocess (spec §4): nnU-Net v2's DefaultPreprocessor.run_case_npy re-expressed
with numpy / scipy / scikit-image, the libraries nnU-Net itself calls (crop: scipy binary_fill_holes, resample:
skimage resize + scipy map_coordinates, class locations: numpy RandomState(1234)).

Usage: /usr/bin/python3 scripts/golden/preprocess.py [out_dir=test/preprocess/fixtures] [hippocampus_dir]
Writes per case <name>.in.npy (+ <name>.in_seg.npy), <name>.json (inputs: spacing, plan bits, labels) and the
expected <name>.out.npy / <name>.out_seg.npy / <name>.props.json. With a Dataset004_Hippocampus folder it also
writes hippocampus.golden.json: summaries of real cases (read as SimpleITK would: nibabel array reversed to
(z, y, x), zooms reversed) through the spec §3.11 Hippocampus plans.
"""
import json
import math
import os
import sys

import numpy as np
from scipy.ndimage import binary_fill_holes, map_coordinates
from skimage.transform import resize

ANISO = 3
OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/preprocess/fixtures'


# ---- §4.2 crop -------------------------------------------------------------------------------------------------
def nonzero_bbox(mask):
    box = []
    for ax in range(mask.ndim):
        other = tuple(a for a in range(mask.ndim) if a != ax)
        hit = np.flatnonzero(mask.any(axis=other))
        box.append([int(hit[0]), int(hit[-1]) + 1] if hit.size else [0, mask.shape[ax]])
    return box


def crop(data, seg):
    mask = binary_fill_holes((data != 0).any(axis=0))
    box = nonzero_bbox(mask)
    sl = tuple(slice(a, b) for a, b in box)
    data = data[(slice(None),) + sl]
    inside = mask[sl][None]
    if seg is None:
        seg = np.where(inside, 0, -1).astype(np.int8)
    else:
        seg = seg[(slice(None),) + sl].copy()
        seg[(seg == 0) & ~inside] = -1
    return data, seg, box


# ---- §4.3 normalization ------------------------------------------------------------------------------------------
def normalize(img, seg0, scheme, use_mask, props):
    img = img.astype(np.float32)
    if scheme == 'CTNormalization':
        np.clip(img, props['percentile_00_5'], props['percentile_99_5'], out=img)
        img -= props['mean']
        img /= max(props['std'], 1e-8)
    elif scheme == 'ZScoreNormalization':
        if use_mask:
            m = seg0 >= 0
            mu, sd = img[m].mean(), img[m].std()
            img[m] = (img[m] - mu) / max(sd, 1e-8)
        else:
            mu, sd = img.mean(), img.std()
            img -= mu
            img /= max(sd, 1e-8)
    elif scheme == 'RescaleTo01Normalization':
        img -= img.min()
        img /= max(img.max(), 1e-8)
    elif scheme == 'RGBTo01Normalization':
        img /= 255.
    return img


# ---- §4.4 resampling ---------------------------------------------------------------------------------------------
def new_shape_of(shape, old_sp, new_sp):
    return [int(round(o / n * s)) for s, o, n in zip(shape, old_sp, new_sp)]


def lowres_axes(sp):
    sp = np.asarray(sp, float)
    return np.flatnonzero(sp.max() / sp == 1)


def seg_resize(seg, shape, order):
    out = np.zeros(shape, seg.dtype)
    for label in np.unique(seg):
        hit = resize((seg == label).astype(float), shape, order, mode='edge', clip=True, anti_aliasing=False)
        out[hit >= 0.5] = label
    return out


def resample(data, shape, cur_sp, new_sp, is_seg, order, order_z=0):
    axes = None
    if max(cur_sp) / min(cur_sp) > ANISO:
        axes = lowres_axes(cur_sp)
    elif max(new_sp) / min(new_sp) > ANISO:
        axes = lowres_axes(new_sp)
    separate = axes is not None and len(axes) == 1
    old = np.array(data.shape[1:])
    shape = np.array(shape)
    if (old == shape).all():
        return data
    dtype = data.dtype
    data = data.astype(float)
    fn = (lambda a, s: seg_resize(a, s, order)) if is_seg else \
        (lambda a, s: resize(a, s, order, mode='edge', anti_aliasing=False))
    out = []
    for c in range(data.shape[0]):
        if not separate:
            out.append(fn(data[c], tuple(shape)))
            continue
        ax = int(axes[0])
        plane = tuple(int(s) for i, s in enumerate(shape) if i != ax)
        slices = [fn(np.take(data[c], i, axis=ax), plane) for i in range(old[ax])]
        vol = np.stack(slices, ax)
        if old[ax] != shape[ax]:
            grid = np.mgrid[tuple(slice(0, int(s)) for s in shape)].astype(float)
            for i in range(3):
                grid[i] = vol.shape[i] / shape[i] * (grid[i] + 0.5) - 0.5
            vol = map_coordinates(vol, grid, order=order_z, mode='nearest')
        out.append(vol)
    return np.stack(out).astype(dtype)


# ---- §4.5 class locations ----------------------------------------------------------------------------------------
def class_locations(seg, targets):
    rs = np.random.RandomState(1234)
    wanted = sorted({int(l) for t in targets for l in (t if isinstance(t, (list, tuple)) else [t])})
    hit = np.isin(seg, wanted)
    coords = np.argwhere(hit)
    labels = seg[hit]
    order = np.argsort(labels, kind='stable')
    labels, coords = labels[order], coords[order]
    ranges = {int(l): (int(np.searchsorted(labels, l, 'left')), int(np.searchsorted(labels, l, 'right')))
              for l in wanted}
    result = {}
    for t in targets:
        members = list(t) if isinstance(t, (list, tuple)) else [t]
        key = str(tuple(members)) if isinstance(t, (list, tuple)) else str(t)
        spans = [ranges[l] for l in members if ranges[l][1] > ranges[l][0]]
        total = sum(b - a for a, b in spans)
        if total == 0:
            result[key] = []
            continue
        k = max(min(10000, total), int(math.ceil(total * 0.01)))
        picks = rs.choice(total, k, replace=False)
        flat = np.concatenate([np.arange(a, b) for a, b in spans])
        result[key] = coords[flat[picks]].tolist()
    return result


# ---- §4.1 one case -----------------------------------------------------------------------------------------------
def run_case(data, seg, spacing, transpose, cfg_spacing, schemes, use_mask, intensity, targets):
    data = data.astype(np.float32).transpose([0] + [t + 1 for t in transpose])
    if seg is not None:
        seg = seg.transpose([0] + [t + 1 for t in transpose])
    sp = [spacing[t] for t in transpose]
    before = list(data.shape[1:])
    data, seg, box = crop(data, seg)
    after = list(data.shape[1:])
    target = list(cfg_spacing) if len(cfg_spacing) == 3 else [sp[0]] + list(cfg_spacing)
    shape = new_shape_of(after, sp, target)
    data = np.stack([normalize(data[c], seg[0], schemes[c], use_mask[c], intensity[str(c)])
                     for c in range(data.shape[0])])
    had_seg = targets is not None
    data = resample(data, shape, sp, target, False, 3)
    seg = resample(seg, shape, sp, target, True, 1)
    props = {'shape_before_cropping': before, 'bbox_used_for_cropping': box,
             'shape_after_cropping_and_before_resampling': after, 'target_spacing': target}
    if had_seg:
        props['class_locations'] = class_locations(seg, targets)
    return data.astype(np.float32), seg.astype(np.int16), props


def blob(shape, rng, zero_margin, hole=True):
    """A positive image with zero margins (cropped away) and an interior zero hole (filled by the crop mask)."""
    img = np.zeros(shape, np.float32)
    sl = tuple(slice(a, s - b) for s, (a, b) in zip(shape, zero_margin))
    img[sl] = rng.uniform(10, 200, img[sl].shape).astype(np.float32)
    if hole:
        centre = tuple(((a + s - b) // 2) for s, (a, b) in zip(shape, zero_margin))
        img[centre] = 0
    return img


def labels_in(img, rng, values):
    seg = np.zeros(img.shape, np.float32)
    nz = img > 0
    seg[nz] = rng.choice(values, size=int(nz.sum())).astype(np.float32)
    return seg


def save(name, data, seg, meta):
    np.save(os.path.join(OUT, f'{name}.in.npy'), data)
    if seg is not None:
        np.save(os.path.join(OUT, f'{name}.in_seg.npy'), seg)
    d, s, props = run_case(data, seg, meta['spacing'], meta['transpose_forward'], meta['configuration_spacing'],
                           meta['normalization_schemes'], meta['use_mask_for_norm'],
                           meta['foreground_intensity_properties_per_channel'], meta.get('targets'))
    np.save(os.path.join(OUT, f'{name}.out.npy'), d)
    np.save(os.path.join(OUT, f'{name}.out_seg.npy'), s)
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump({**meta, 'has_seg': seg is not None}, f, indent=1)
    with open(os.path.join(OUT, f'{name}.props.json'), 'w') as f:
        json.dump(props, f)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.RandomState(7)
    no_ct = {'0': {'mean': 0.0, 'std': 1.0, 'percentile_00_5': 0.0, 'percentile_99_5': 0.0}}
    three_labels = {'background': 0, 'a': 1, 'b': 2}

    # anisotropic, non-trivial transpose, separate-z with a changing slice count (nearest along z)
    img = blob((14, 12, 6), rng, [(1, 2), (0, 1), (1, 0)])[None]
    seg = labels_in(img[0], rng, [0, 1, 2])[None]
    aniso = dict(spacing=[0.8, 0.8, 3.0], transpose_forward=[2, 0, 1], configuration_spacing=[2.5, 1.0, 1.0],
                 normalization_schemes=['ZScoreNormalization'], use_mask_for_norm=[False],
                 foreground_intensity_properties_per_channel=no_ct, labels=three_labels, targets=[1, 2])
    save('aniso_3d', img, seg, aniso)
    # same image, 2d configuration: the slice axis keeps the case's own spacing, in-plane resize only
    save('aniso_2d', img, seg, {**aniso, 'configuration_spacing': [1.0, 1.0]})
    # same image at inference: no label, the crop synthesises a seg, no class locations
    save('aniso_3d_noseg', img, None, {**{k: v for k, v in aniso.items() if k != 'targets'}})

    # two channels (CT + masked z-score), isotropic order-3 resize, region labels
    c0 = blob((11, 10, 9), rng, [(2, 1), (1, 1), (0, 2)])
    c1 = np.where(c0 > 0, rng.normal(5, 2, c0.shape), 0).astype(np.float32)
    c0[c0 > 0] -= 100
    img2 = np.stack([c0, c1])
    seg2 = labels_in(c0 != 0, rng, [0, 1, 2, 3])[None]
    ct = {'mean': 3.5, 'std': 40.0, 'percentile_00_5': -80.0, 'percentile_99_5': 60.0}
    save('regions_ct_mask', img2, seg2, dict(
        spacing=[1.2, 1.0, 1.1], transpose_forward=[0, 1, 2], configuration_spacing=[1.0, 1.0, 1.0],
        normalization_schemes=['CTNormalization', 'ZScoreNormalization'], use_mask_for_norm=[False, True],
        foreground_intensity_properties_per_channel={'0': ct, '1': no_ct['0']},
        labels={'background': 0, 'whole': [1, 2, 3], 'core': [2, 3], 'enhancing': 3},
        targets=[[1, 2, 3], [2, 3], 3]))

    # 2D image with an ignore label, spacing already on target: arrays pass through unresampled
    img3 = blob((1, 20, 18), rng, [(0, 0), (2, 3), (1, 1)], hole=False)[None]
    seg3 = labels_in(img3[0], rng, [0, 1, 2])[None]
    save('ignore_2d', img3, seg3, dict(
        spacing=[999.0, 1.0, 1.0], transpose_forward=[0, 1, 2], configuration_spacing=[1.0, 1.0],
        normalization_schemes=['RescaleTo01Normalization'], use_mask_for_norm=[False],
        foreground_intensity_properties_per_channel=no_ct,
        labels={'background': 0, 'a': 1, 'ignore': 2}, targets=[1, [-1, 0, 1]]))

    # isotropic data, anisotropic target: separate-z from the target spacing (rule 2), 3 slices from 12
    img4 = blob((12, 14, 13), rng, [(1, 1), (2, 0), (0, 3)])[None]
    seg4 = labels_in(img4[0], rng, [0, 1])[None]
    save('target_aniso', img4, seg4, dict(
        spacing=[1.0, 0.9, 0.9], transpose_forward=[0, 1, 2], configuration_spacing=[3.5, 1.0, 1.0],
        normalization_schemes=['ZScoreNormalization'], use_mask_for_norm=[False],
        foreground_intensity_properties_per_channel=no_ct, labels={'background': 0, 'a': 1}, targets=[1]))
    # 3d_lowres-like isotropic downsampling (order 3 without anti-aliasing, one-hot linear seg)
    save('downsample_iso', img4, seg4, dict(
        spacing=[0.7, 0.7, 0.7], transpose_forward=[1, 2, 0], configuration_spacing=[1.5, 1.5, 1.5],
        normalization_schemes=['ZScoreNormalization'], use_mask_for_norm=[True],
        foreground_intensity_properties_per_channel=no_ct, labels={'background': 0, 'a': 1}, targets=[1]))

    # more than 10000 voxels of one label: k = 10000 draws without replacement
    big = np.zeros((1, 30, 25, 20), np.float32)
    big[:, :, :, :] = 1
    bseg = np.ones_like(big)
    bseg[0, :2] = 2
    d, s, props = run_case(big, bseg, [1, 1, 1], [0, 1, 2], [1, 1, 1], ['NoNormalization'], [False], no_ct, [1, 2])
    locs = {k: np.array(v) for k, v in props['class_locations'].items()}
    with open(os.path.join(OUT, 'many_voxels.class_locations.json'), 'w') as f:
        json.dump({k: {'count': len(v), 'head': v[:20].tolist(), 'column_sums': v.sum(axis=0).tolist()}
                   for k, v in locs.items()}, f)


def hippocampus(root, cases=('hippocampus_001', 'hippocampus_017', 'hippocampus_394')):
    import nibabel as nib
    read = lambda f: (np.asarray(nib.load(f).dataobj, dtype=np.float32).transpose(2, 1, 0)[None],
                      [float(z) for z in nib.load(f).header.get_zooms()[::-1]])
    labels = json.load(open(os.path.join(root, 'dataset.json')))['labels']
    zs = {'0': {'mean': 0.0, 'std': 1.0, 'percentile_00_5': 0.0, 'percentile_99_5': 0.0}}
    out = {}
    for case in cases:
        img, sp = read(os.path.join(root, 'imagesTr', f'{case}_0000.nii.gz'))
        seg, _ = read(os.path.join(root, 'labelsTr', f'{case}.nii.gz'))
        for cfg, cfg_sp in (('3d_fullres', [1.0, 1.0, 1.0]), ('2d', [1.0, 1.0])):
            d, s, props = run_case(img, seg, sp, [0, 1, 2], cfg_sp, ['ZScoreNormalization'], [False], zs,
                                   [v for k, v in labels.items() if k != 'background'])
            flat = d.ravel()
            out[f'{case}/{cfg}'] = {
                'shape': list(d.shape), 'spacing': sp,
                'bbox_used_for_cropping': props['bbox_used_for_cropping'],
                'shape_before_cropping': props['shape_before_cropping'],
                'data_sum': float(flat.astype(np.float64).sum()),
                'data_every_97th': flat[::97].tolist(),
                'seg_counts': {str(int(v)): int(c) for v, c in zip(*np.unique(s, return_counts=True))},
                'class_location_counts': {k: len(v) for k, v in props['class_locations'].items()},
                'class_location_head': {k: v[:5] for k, v in props['class_locations'].items()},
            }
    with open(os.path.join(OUT, 'hippocampus.golden.json'), 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    main()
    if len(sys.argv) > 2:
        hippocampus(sys.argv[2])
