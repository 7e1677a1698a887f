"""Golden fixtures for src/imaging operations, computed with the code nnU-Net v2 runs (spec §4.2-4.4, §9, §10).

The nnU-Net functions below are transcribed from nnunetv2 (preprocessing/cropping, normalization,
resampling/default_resampling.py), batchgenerators (resize_segmentation) and acvl_utils (bbox, connected
components), using Debian's scipy/skimage. Run: /usr/bin/python3 scripts/golden/imaging_ops.py
Writes test/fixtures/imaging/ops/<case>__<array>.npy and ops/manifest.json.
"""
import json
import os
from copy import deepcopy

import numpy as np
from scipy.ndimage import binary_fill_holes, label as nd_label, map_coordinates
from skimage.transform import resize

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'imaging', 'ops')
ANISO_THRESHOLD = 3


# ---- nnunetv2.preprocessing.cropping.cropping ----
def get_bbox_from_mask(mask):
    bbox = []
    for axis in range(mask.ndim):
        other = tuple(a for a in range(mask.ndim) if a != axis)
        hit = np.where(np.any(mask, axis=other))[0]
        bbox.append([int(hit[0]), int(hit[-1]) + 1] if len(hit) else [0, mask.shape[axis]])
    return bbox


def crop_to_nonzero(data, seg=None, nonzero_label=-1):
    nonzero_mask = data[0] != 0
    for c in range(1, data.shape[0]):
        nonzero_mask |= data[c] != 0
    nonzero_mask = binary_fill_holes(nonzero_mask)
    bbox = get_bbox_from_mask(nonzero_mask)
    slicer = tuple(slice(a, b) for a, b in bbox)
    nonzero_mask = nonzero_mask[slicer][None]
    data = data[(slice(None),) + slicer]
    if seg is not None:
        seg = seg[(slice(None),) + slicer]
        seg[(seg == 0) & (~nonzero_mask)] = nonzero_label
    else:
        seg = np.where(nonzero_mask, np.int8(0), np.int8(nonzero_label))
    return data, seg, bbox


# ---- nnunetv2.preprocessing.normalization.default_normalization_schemes ----
def zscore(image, seg, use_mask):
    image = image.astype(np.float32, copy=False)
    if use_mask:
        mask = seg >= 0
        mean = image[mask].mean()
        std = image[mask].std()
        image[mask] = (image[mask] - mean) / (max(std, 1e-8))
    else:
        mean = image.mean()
        std = image.std()
        image -= mean
        image /= (max(std, 1e-8))
    return image


def ct(image, props):
    image = image.astype(np.float32, copy=False)
    np.clip(image, props['percentile_00_5'], props['percentile_99_5'], out=image)
    image -= props['mean']
    image /= max(props['std'], 1e-8)
    return image


def rescale01(image):
    image = image.astype(np.float32, copy=False)
    image -= image.min()
    image /= np.clip(image.max(), a_min=1e-8, a_max=None)
    return image


# ---- batchgenerators.augmentations.utils.resize_segmentation ----
def resize_segmentation(segmentation, new_shape, order=3):
    tpe = segmentation.dtype
    unique_labels = np.unique(segmentation)
    if order == 0:
        return resize(segmentation.astype(float), new_shape, order, mode="edge", clip=True, anti_aliasing=False).astype(tpe)
    reshaped = np.zeros(new_shape, dtype=segmentation.dtype)
    for c in unique_labels:
        mask = segmentation == c
        reshaped_multihot = resize(mask.astype(float), new_shape, order, mode="edge", clip=True, anti_aliasing=False)
        reshaped[reshaped_multihot >= 0.5] = c
    return reshaped


# ---- nnunetv2.preprocessing.resampling.default_resampling ----
def compute_new_shape(old_shape, old_spacing, new_spacing):
    return np.array([int(round(i / j * k)) for i, j, k in zip(old_spacing, new_spacing, old_shape)])


def get_lowres_axis(new_spacing):
    return np.where(max(new_spacing) / np.array(new_spacing) == 1)[0]


def determine_do_sep_z_and_axis(force_separate_z, current_spacing, new_spacing):
    if force_separate_z is not None:
        do_separate_z = force_separate_z
        axis = get_lowres_axis(current_spacing) if force_separate_z else None
    elif (np.max(current_spacing) / np.min(current_spacing)) > ANISO_THRESHOLD:
        do_separate_z, axis = True, get_lowres_axis(current_spacing)
    elif (np.max(new_spacing) / np.min(new_spacing)) > ANISO_THRESHOLD:
        do_separate_z, axis = True, get_lowres_axis(new_spacing)
    else:
        do_separate_z, axis = False, None
    if axis is not None:
        if len(axis) in (2, 3):
            do_separate_z, axis = False, None
        else:
            axis = axis[0]
    return do_separate_z, axis


def resample_data_or_seg(data, new_shape, is_seg, axis, order, do_separate_z, order_z):
    if is_seg:
        resize_fn, kwargs = resize_segmentation, {}
    else:
        resize_fn, kwargs = resize, {'mode': 'edge', 'anti_aliasing': False}
    shape = np.array(data[0].shape)
    new_shape = np.array(new_shape)
    reshaped_final = np.zeros((data.shape[0], *new_shape), dtype=data.dtype)
    data = data.astype(float, copy=False)
    if do_separate_z:
        new_shape_2d = new_shape[1:] if axis == 0 else new_shape[[0, 2]] if axis == 1 else new_shape[:-1]
        for c in range(data.shape[0]):
            tmp = deepcopy(new_shape)
            tmp[axis] = shape[axis]
            reshaped_here = np.zeros(tmp)
            for slice_id in range(shape[axis]):
                if axis == 0:
                    reshaped_here[slice_id] = resize_fn(data[c, slice_id], new_shape_2d, order, **kwargs)
                elif axis == 1:
                    reshaped_here[:, slice_id] = resize_fn(data[c, :, slice_id], new_shape_2d, order, **kwargs)
                else:
                    reshaped_here[:, :, slice_id] = resize_fn(data[c, :, :, slice_id], new_shape_2d, order, **kwargs)
            if shape[axis] != new_shape[axis]:
                rows, cols, dim = new_shape[0], new_shape[1], new_shape[2]
                orig_rows, orig_cols, orig_dim = reshaped_here.shape
                row_scale, col_scale, dim_scale = float(orig_rows) / rows, float(orig_cols) / cols, float(orig_dim) / dim
                map_rows, map_cols, map_dims = np.mgrid[:rows, :cols, :dim]
                coord_map = np.array([row_scale * (map_rows + 0.5) - 0.5, col_scale * (map_cols + 0.5) - 0.5, dim_scale * (map_dims + 0.5) - 0.5])
                if not is_seg or order_z == 0:
                    reshaped_final[c] = map_coordinates(reshaped_here, coord_map, order=order_z, mode='nearest')[None]
                else:
                    for cl in np.sort(np.unique(reshaped_here.ravel())):
                        reshaped_final[c][np.round(map_coordinates((reshaped_here == cl).astype(float), coord_map, order=order_z, mode='nearest')) > 0.5] = cl
            else:
                reshaped_final[c] = reshaped_here
    else:
        for c in range(data.shape[0]):
            reshaped_final[c] = resize_fn(data[c], new_shape, order, **kwargs)
    return reshaped_final


def resample_data_or_seg_to_shape(data, new_shape, current_spacing, new_spacing, is_seg, order, order_z, force_separate_z=None):
    do_separate_z, axis = determine_do_sep_z_and_axis(force_separate_z, current_spacing, new_spacing)
    if np.any(np.array(data[0].shape) != np.array(new_shape)):
        return resample_data_or_seg(data, new_shape, is_seg, axis, order, do_separate_z, order_z)
    return data


# ---- fixtures ----
rng = np.random.default_rng(42)
manifest = {}


def save(case, arrays, meta):
    for name, arr in arrays.items():
        np.save(os.path.join(OUT, f'{case}__{name}.npy'), np.ascontiguousarray(arr))
    manifest[case] = meta


def smooth_volume(shape, channels=1):
    """Smooth-ish random data with structure, so resampling is exercised on realistic values."""
    base = rng.normal(size=(channels, *shape))
    grid = np.meshgrid(*[np.linspace(0, 3, s) for s in shape], indexing='ij')
    wave = np.sin(grid[0] * 1.7) + np.cos(grid[1] * 2.3) * grid[2]
    return (100 * wave[None] + 15 * base).astype(np.float32)


def blob_labels(shape, n_labels):
    grid = np.meshgrid(*[np.arange(s) for s in shape], indexing='ij')
    seg = np.zeros(shape, dtype=np.int16)
    for lab in range(1, n_labels + 1):
        centre = [rng.uniform(0, s) for s in shape]
        r2 = sum((g - c) ** 2 for g, c in zip(grid, centre))
        seg[r2 < (min(shape) * 0.35) ** 2] = lab
    return seg


def resample_cases():
    global rng
    rng = np.random.default_rng(1)  # one stream per case family keeps fixtures stable
    cases = [
        ('iso_down', (9, 11, 10), (1.0, 1.0, 1.0), (1.4, 1.3, 1.6)),
        ('iso_up', (6, 7, 5), (1.2, 1.0, 1.1), (0.7, 0.6, 0.8)),
        ('sepz_axis0', (5, 14, 12), (3.5, 0.9, 1.0), (2.1, 0.7, 1.3)),
        ('sepz_axis2', (10, 9, 4), (1.0, 1.1, 4.0), (1.3, 0.8, 2.5)),
        ('target_aniso', (8, 9, 7), (1.0, 1.0, 1.0), (3.5, 0.8, 0.9)),
        ('flat2d', (1, 15, 13), (999.0, 1.0, 1.0), (999.0, 0.7, 1.45)),
        ('two_max', (6, 8, 8), (0.3, 1.25, 1.25), (0.5, 0.9, 0.9)),
    ]
    for name, shape, sp, new_sp in cases:
        new_shape = compute_new_shape(shape, sp, new_sp)
        data = smooth_volume(shape, 2)
        seg = blob_labels(shape, 3)[None]
        seg[0, 0, 0, :2] = -1
        out = {
            'data': data,
            'seg': seg,
            'data_o3': resample_data_or_seg_to_shape(data, new_shape, sp, new_sp, False, 3, 0),
            'data_o1': resample_data_or_seg_to_shape(data, new_shape, sp, new_sp, False, 1, 0),
            'seg_o1': resample_data_or_seg_to_shape(seg, new_shape, sp, new_sp, True, 1, 0),
            'seg_o0': resample_data_or_seg_to_shape(seg, new_shape, sp, new_sp, True, 0, 0),
        }
        _, axis = determine_do_sep_z_and_axis(None, sp, new_sp)
        save('resample_' + name, out, {'spacing': list(sp), 'new_spacing': list(new_sp), 'shape': list(shape),
                                       'new_shape': [int(s) for s in new_shape], 'axis': None if axis is None else int(axis)})
    # forced separate z with linear z interpolation of data and seg
    shape, sp, new_sp = (6, 10, 9), (2.0, 1.0, 1.0), (1.5, 0.8, 1.2)
    new_shape = compute_new_shape(shape, sp, new_sp)
    data = smooth_volume(shape, 1)
    seg = blob_labels(shape, 2)[None]
    save('resample_forced_z1', {
        'data': data, 'seg': seg,
        'data_o3': resample_data_or_seg_to_shape(data, new_shape, sp, new_sp, False, 3, 1, True),
        'seg_o1': resample_data_or_seg_to_shape(seg, new_shape, sp, new_sp, True, 1, 1, True),
    }, {'spacing': list(sp), 'new_spacing': list(new_sp), 'shape': list(shape), 'new_shape': [int(s) for s in new_shape], 'axis': 0})


def new_shape_cases():
    rows = []
    for shape, sp, new_sp in [((35, 51, 35), (1, 1, 1), (1, 1, 1)), ((300, 512, 512), (1.25, 0.7, 0.7), (1.875, 1.05, 1.05)),
                              ((5, 10, 15), (1, 1, 1), (2, 4, 6)), ((7, 9, 11), (1.0, 0.5, 0.25), (0.8, 0.8, 0.8))]:
        rows.append({'shape': list(shape), 'spacing': list(sp), 'new_spacing': list(new_sp),
                     'new_shape': [int(s) for s in compute_new_shape(shape, sp, new_sp)]})
    manifest['compute_new_shape'] = rows


def crop_cases():
    global rng
    rng = np.random.default_rng(2)  # one stream per case family keeps fixtures stable
    shape = (9, 12, 10)
    data = np.zeros((2, *shape), dtype=np.float32)
    data[0, 2:7, 3:10, 2:8] = rng.normal(size=(5, 7, 6))
    data[0, 3:6, 5:8, 4:6] = 0  # an enclosed hole: filled, so its seg stays 0
    data[1, 5:8, 2:4, 6:9] = 3.0
    data[0, 4, 4:9, 7] = 0  # a channel-0 gap covered by the box but open to the border in places
    seg = np.zeros((1, *shape), dtype=np.int16)
    seg[0, 3:5, 4:7, 3:6] = 2
    seg[0, 6, 2, 6] = 1
    d, s, bbox = crop_to_nonzero(data.copy(), seg.copy())
    d2, s2, _ = crop_to_nonzero(data.copy(), None)
    save('crop', {'data': data, 'seg': seg, 'data_cropped': d, 'seg_cropped': s.astype(np.int16), 'seg_synth': s2.astype(np.int16)},
         {'shape': list(shape), 'bbox': bbox})


def normalize_cases():
    global rng
    rng = np.random.default_rng(3)  # one stream per case family keeps fixtures stable
    shape = (6, 7, 8)
    img = (rng.normal(size=shape) * 300 + 40).astype(np.float32)
    seg = np.where(rng.uniform(size=shape) < 0.3, -1, 0).astype(np.int16)
    props = {'mean': 35.5, 'std': 250.25, 'percentile_00_5': -400.0, 'percentile_99_5': 520.0}
    rgb = rng.integers(0, 256, size=shape).astype(np.float32)
    save('normalize', {
        'image': img, 'seg': seg, 'rgb': rgb,
        'ct': ct(img.copy(), props),
        'zscore': zscore(img.copy(), seg, False),
        'zscore_mask': zscore(img.copy(), seg, True),
        'rescale': rescale01(img.copy()),
        'rgb01': (rgb / 255.).astype(np.float32),
    }, {'shape': list(shape), 'ct_props': props})


def fill_holes_cases():
    global rng
    rng = np.random.default_rng(6)  # one stream per case family keeps fixtures stable
    shape = (8, 11, 9)
    mask = rng.uniform(size=shape) < 0.62
    save('fill_holes', {'mask': mask.astype(np.uint8), 'filled': binary_fill_holes(mask).astype(np.uint8)}, {'shape': list(shape)})


def components_cases():
    global rng
    rng = np.random.default_rng(4)  # one stream per case family keeps fixtures stable
    shape = (7, 9, 8)
    mask = (rng.uniform(size=shape) < 0.12)
    lab, n = nd_label(mask, structure=np.ones((3, 3, 3)))
    sizes = np.bincount(lab.ravel())[1:]
    keep = np.isin(lab, np.where(sizes == sizes.max())[0] + 1)
    save('components', {'mask': mask.astype(np.uint8), 'labels': lab.astype(np.int32), 'largest': keep.astype(np.uint8)},
         {'shape': list(shape), 'count': int(n)})


# ---- nnunetv2.evaluation.evaluate_predictions ----
def region_or_label_to_mask(segmentation, region_or_label):
    if np.isscalar(region_or_label):
        return segmentation == region_or_label
    mask = np.zeros_like(segmentation, dtype=bool)
    for r in region_or_label:
        mask[segmentation == r] = True
    return mask


def compute_tp_fp_fn_tn(mask_ref, mask_pred, ignore_mask=None):
    use_mask = np.ones_like(mask_ref, dtype=bool) if ignore_mask is None else ~ignore_mask
    tp = np.sum((mask_ref & mask_pred) & use_mask)
    fp = np.sum(((~mask_ref) & mask_pred) & use_mask)
    fn = np.sum((mask_ref & (~mask_pred)) & use_mask)
    tn = np.sum(((~mask_ref) & (~mask_pred)) & use_mask)
    return tp, fp, fn, tn


def compute_metrics(seg_ref, seg_pred, labels_or_regions, ignore_label):
    ignore_mask = seg_ref == ignore_label if ignore_label is not None else None
    out = []
    for r in labels_or_regions:
        tp, fp, fn, tn = compute_tp_fp_fn_tn(region_or_label_to_mask(seg_ref, r), region_or_label_to_mask(seg_pred, r), ignore_mask)
        m = {'Dice': float('nan'), 'IoU': float('nan')} if tp + fp + fn == 0 else {'Dice': 2 * tp / (2 * tp + fp + fn), 'IoU': tp / (tp + fp + fn)}
        m.update({'FP': int(fp), 'TP': int(tp), 'FN': int(fn), 'TN': int(tn), 'n_pred': int(fp + tp), 'n_ref': int(fn + tp)})
        out.append({k: (None if isinstance(v, float) and np.isnan(v) else float(v)) for k, v in m.items()})
    return out


def metrics_cases():
    global rng
    rng = np.random.default_rng(5)  # one stream per case family keeps fixtures stable
    shape = (6, 7, 8)
    ref = rng.integers(0, 4, size=shape).astype(np.int16)
    pred = np.where(rng.uniform(size=shape) < 0.7, ref, rng.integers(0, 4, size=shape)).astype(np.int16)
    ref[0] = 4  # ignore label
    targets = [1, 2, 3, 5, (1, 2), (2, 3)]
    save('metrics', {'ref': ref, 'pred': pred}, {
        'shape': list(shape), 'targets': [list(t) if isinstance(t, tuple) else t for t in targets],
        'with_ignore': compute_metrics(ref, pred, targets, 4), 'without_ignore': compute_metrics(ref, pred, targets, None)})


def main():
    os.makedirs(OUT, exist_ok=True)
    metrics_cases()
    new_shape_cases()
    resample_cases()
    crop_cases()
    normalize_cases()
    components_cases()
    fill_holes_cases()
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)


if __name__ == '__main__':
    main()
