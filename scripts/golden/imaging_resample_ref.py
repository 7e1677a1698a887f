"""nnU-Net's resampling on one .npy array, timed, for bench/imaging.ts (the Python side of the ratio).

Usage: imaging_resample_ref.py IN.npy OUT.npy data|seg ORDER 'sz,sy,sx' 'nz,ny,nx'
Prints one JSON line: {"seconds": ..., "max_rss_mb": ...}. Runs the transcription of
nnunetv2 resample_data_or_seg_to_shape in imaging_ops.py (scipy/skimage, as nnU-Net calls them).
"""
import json
import resource
import sys
import time

import numpy as np

from imaging_ops import compute_new_shape, resample_data_or_seg_to_shape


def peak_rss_mb():
    """VmHWM of this process image (ru_maxrss survives fork+exec, so it would include the parent)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    src, dst, kind, order = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    spacing = [float(v) for v in sys.argv[5].split(',')]
    new_spacing = [float(v) for v in sys.argv[6].split(',')]
    data = np.load(src)
    start = time.perf_counter()
    new_shape = compute_new_shape(data.shape[1:], spacing, new_spacing)
    out = resample_data_or_seg_to_shape(data, new_shape, spacing, new_spacing, kind == 'seg', order, 0)
    seconds = time.perf_counter() - start
    np.save(dst, out)
    print(json.dumps({'seconds': seconds, 'max_rss_mb': peak_rss_mb()}))


if __name__ == '__main__':
    main()
