"""Golden values for src/nn/predict: a numpy/scipy replica of nnU-Net v2's sliding-window code
(compute_steps_for_sliding_window, compute_gaussian, pad_nd_image, _internal_maybe_mirror_and_predict,
predict_sliding_window_return_logits), in float64 instead of upstream's float16 Gaussian.
The fake network is a 3x3(x3) zero-padded correlation with an asymmetric kernel per output channel plus a bias,
so tile borders and mirroring both change the result.
Run: /usr/bin/python3 test/predict/golden/make-sliding-window-golden.py > test/predict/golden/sliding-window.json"""
import itertools
import json

import numpy as np
from scipy.ndimage import correlate, gaussian_filter


def compute_steps(image_size, tile_size, step):
    target = [i * step for i in tile_size]
    num = [int(np.ceil((i - k) / j)) + 1 for i, j, k in zip(image_size, target, tile_size)]
    steps = []
    for d in range(len(tile_size)):
        mx = image_size[d] - tile_size[d]
        actual = mx / (num[d] - 1) if num[d] > 1 else 99999999999
        steps.append([int(np.round(actual * i)) for i in range(num[d])])
    return steps


def compute_gaussian(tile, sigma_scale=1. / 8, scale=10):
    tmp = np.zeros(tile)
    tmp[tuple(i // 2 for i in tile)] = 1
    g = gaussian_filter(tmp, [i * sigma_scale for i in tile], 0, mode='constant', cval=0)
    g = g / (np.max(g) / scale)
    g[g == 0] = np.min(g[g != 0])
    return g


def net(x, kernels, biases):
    """x: (C=1, *spatial) -> (K, *spatial)"""
    return np.stack([correlate(x[0], k, mode='constant', cval=0) + b for k, b in zip(kernels, biases)])


def mirror_predict(x, kernels, biases, axes):
    pred = net(x, kernels, biases)
    if axes:
        ax = [a + 1 for a in axes]
        combos = [c for i in range(len(ax)) for c in itertools.combinations(ax, i + 1)]
        for c in combos:
            pred += np.flip(net(np.flip(x, c), kernels, biases), c)
        pred /= len(combos) + 1
    return pred


def sliding_window(data, patch, kernels, biases, axes, step=0.5):
    old = np.array(data.shape[-len(patch):])
    new = np.maximum(patch, old)
    diff = new - old
    pads = [(0, 0)] * (data.ndim - len(patch)) + [(d // 2, d // 2 + d % 2) for d in diff]
    padded = np.pad(data, pads, mode='constant', constant_values=0)
    revert = tuple(slice(p[0], p[0] + s) for p, s in zip(pads, data.shape))
    shp = padded.shape[1:]
    slicers = []
    if len(patch) < len(shp):
        steps = compute_steps(shp[1:], patch, step)
        for d in range(shp[0]):
            for sx in steps[0]:
                for sy in steps[1]:
                    slicers.append((slice(None), d, slice(sx, sx + patch[0]), slice(sy, sy + patch[1])))
    else:
        steps = compute_steps(shp, patch, step)
        for sx in steps[0]:
            for sy in steps[1]:
                for sz in steps[2]:
                    slicers.append((slice(None), slice(sx, sx + patch[0]), slice(sy, sy + patch[1]),
                                    slice(sz, sz + patch[2])))
    g = compute_gaussian(patch)
    K = len(kernels)
    logits = np.zeros((K, *shp))
    n = np.zeros(shp)
    for sl in slicers:
        pred = mirror_predict(padded[sl], kernels, biases, axes) * g
        logits[(slice(None),) + sl[1:]] += pred
        n[sl[1:]] += g
    logits /= n
    return logits[(slice(None),) + revert[1:]]


rng = np.random.RandomState(42)
out = {'steps': [], 'gaussian': [], 'windows': []}
for image, tile, step in [((110,), (64,), 0.5), ((64,), (64,), 0.5), ((65, 40, 97), (64, 40, 32), 0.5),
                          ((300, 17), (128, 16), 0.5), ((50,), (40,), 0.25), ((36, 50, 35), (40, 56, 40), 1.0)]:
    padded = [max(i, t) for i, t in zip(image, tile)]
    out['steps'].append({'image': list(image), 'patch': list(tile), 'step': step,
                         'steps': compute_steps(padded, tile, step)})
for tile in [(7, 10, 9), (12, 8), (40, 56, 40)]:
    g = compute_gaussian(tile).astype(np.float32)
    entry = {'patch': list(tile), 'max': float(g.max()), 'min': float(g.min()), 'sum': float(g.astype(np.float64).sum())}
    if np.prod(tile) <= 1000:
        entry['values'] = g.ravel().tolist()
    out['gaussian'].append(entry)

for name, shape, patch, axes in [('3d', (9, 13, 11), (6, 8, 8), [0, 1, 2]), ('3d-no-tta', (9, 13, 11), (6, 8, 8), []),
                                 ('3d-padded', (4, 13, 7), (6, 8, 8), [1, 2]), ('2d', (3, 13, 11), (8, 8), [0, 1])]:
    data = rng.randn(1, *shape).astype(np.float32)
    ksize = (3,) * len(patch)
    kernels = [rng.randn(*ksize).astype(np.float32) for _ in range(2)]
    biases = [0.0, 0.5]
    logits = sliding_window(data.astype(np.float64), patch, [k.astype(np.float64) for k in kernels], biases, axes)
    out['windows'].append({'name': name, 'shape': list(shape), 'patch': list(patch), 'mirror_axes': axes,
                           'data': data.ravel().tolist(), 'kernels': [k.ravel().tolist() for k in kernels],
                           'biases': biases, 'logits': logits.ravel().tolist()})
print(json.dumps(out))
