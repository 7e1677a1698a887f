#!/usr/bin/env python3
"""Golden arrays for src/imaging/io/reorient.ts: what nnU-Net's NibabelIOWithReorient hands the network
(nib.load -> as_reoriented(io_orientation(affine)) -> get_fdata().transpose((2, 1, 0)), zooms reversed) for NIfTI
files in three orientations (LAS, axes permuted with flips, oblique).

Usage: /usr/bin/python3 scripts/golden/nibabel_reorient.py [out_dir=test/fixtures/imaging/reorient]
Writes <name>.nii.gz, <name>.reoriented.npy (float32, (z, y, x) after reorientation) and reorient.json (spacings).
"""
import json
import os
import sys

import nibabel as nib
import numpy as np
from nibabel.orientations import io_orientation

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/imaging/reorient'
os.makedirs(OUT, exist_ok=True)
data = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
c, s = np.cos(0.2), np.sin(0.2)
affines = {
    'las': np.diag([-1.5, 2.0, 2.5, 1.0]),
    'permuted': np.array([[0, 0, -2.5, 10], [-1.5, 0, 0, 20], [0, 2.0, 0, -5], [0, 0, 0, 1]], dtype=float),
    'oblique': np.array([[0, -2.0 * s, 2.5 * c, 0], [0, 2.0 * c, 2.5 * s, 0], [-1.5, 0, 0, 0], [0, 0, 0, 1]], dtype=float),
}
spacings = {}
for name, affine in affines.items():
    img = nib.Nifti1Image(data, affine)
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    nib.save(img, os.path.join(OUT, f'{name}.nii.gz'))
    loaded = nib.load(os.path.join(OUT, f'{name}.nii.gz'))
    re = loaded.as_reoriented(io_orientation(loaded.affine))
    np.save(os.path.join(OUT, f'{name}.reoriented.npy'), np.ascontiguousarray(re.get_fdata().transpose((2, 1, 0)).astype(np.float32)))
    spacings[name] = [float(z) for z in re.header.get_zooms()[::-1]]
with open(os.path.join(OUT, 'reorient.json'), 'w') as f:
    json.dump(spacings, f, indent=1)
