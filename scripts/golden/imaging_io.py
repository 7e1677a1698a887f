"""Golden geometry for src/imaging/io: what SimpleITK reports for NIfTI files, derived from nibabel.

SimpleITK is not installed here, so its view is derived from the nibabel affine the way ITK's NIfTI reader
does it: RAS -> LPS (negate the first two rows), spacing = column norms, direction = normalised columns
(row-major), array = nibabel data transposed to (z, y, x). Run: /usr/bin/python3 scripts/golden/imaging_io.py
"""
import json
import os

import nibabel as nib
import numpy as np
from scipy.spatial.transform import Rotation

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'imaging')
HIPPO = os.path.join(ROOT, '..', 'shared', 'datasets', 'Dataset004_Hippocampus')


def sitk_view(path):
    img = nib.load(path)
    affine = img.affine
    lps = np.diag([-1.0, -1.0, 1.0]) @ affine[:3, :]
    spacing = np.linalg.norm(lps[:3, :3], axis=0)
    direction = lps[:3, :3] / spacing
    arr = np.asarray(img.dataobj).astype(np.float32).transpose(2, 1, 0)
    flat = arr.ravel()
    return {
        'shape': list(arr.shape),
        'spacing': spacing[::-1].tolist(),
        'itkSpacing': spacing.tolist(),
        'itkOrigin': lps[:3, 3].tolist(),
        'itkDirection': direction.ravel().tolist(),
        'sum': float(flat.astype(np.float64).sum()),
        'probe': {str(i): float(flat[i]) for i in (0, 1, flat.size // 3, flat.size // 2, flat.size - 1)},
    }


def oblique():
    rot = Rotation.from_euler('xyz', [20, -35, 50], degrees=True).as_matrix()
    affine = np.eye(4)
    affine[:3, :3] = rot @ np.diag([0.8, 1.3, 2.5])
    affine[:3, 3] = [10, -20, 33]
    data = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6) - 50
    img = nib.Nifti1Image(data, affine)
    img.header.set_qform(affine, 1)
    img.header.set_sform(affine, 1)
    img.set_data_dtype(np.int16)
    path = os.path.join(OUT, 'oblique.nii.gz')
    img.to_filename(path)
    return path


def four_d():
    """A 4D file: SimpleITKIO takes its 4th axis as the channels."""
    data = np.arange(3 * 4 * 5 * 2, dtype=np.int16).reshape(3, 4, 5, 2, order='F')
    nib.Nifti1Image(data, np.diag([0.5, 0.6, 2.0, 1.0])).to_filename(os.path.join(OUT, 'four-d.nii.gz'))


def scaled():
    """int16 voxels with scl_slope/scl_inter in the header (CT exports often store HU this way)."""
    path = os.path.join(OUT, 'scaled.nii.gz')
    img = nib.Nifti1Image(np.arange(-12, 12, dtype=np.int16).reshape(2, 3, 4), np.diag([0.9, 0.9, 2.5, 1.0]))
    img.header['scl_slope'] = 2.5
    img.header['scl_inter'] = -1024
    nib.save(img, path)
    hdr = nib.load(path).header
    assert nib.load(path).dataobj.slope == 2.5 and nib.load(path).dataobj.inter == -1024, hdr
    return path


def main():
    four_d()
    out = {'oblique.nii.gz': sitk_view(oblique()), 'scaled.nii.gz': sitk_view(scaled())}
    if os.path.isdir(HIPPO):
        for name in ('imagesTr/hippocampus_001_0000.nii.gz', 'imagesTr/hippocampus_367_0000.nii.gz', 'labelsTr/hippocampus_001.nii.gz'):
            out['hippocampus/' + name] = sitk_view(os.path.join(HIPPO, name))
    with open(os.path.join(OUT, 'io-geometry.json'), 'w') as f:
        json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
