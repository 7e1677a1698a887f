/**
 * spec §2 per case (nnU-Net's analyze_case): crop to nonzero, then keep what the aggregate needs - spacing,
 * shape after crop, relative size, and every foreground voxel value per channel (C order, as numpy's
 * images[c][seg > 0]). The sampling itself happens in the aggregate, because the number of samples per case
 * depends on how many cases there are, and a new case must not invalidate the others.
 */
import { cropToNonzero, readCase, readCaseSegmentation } from '../../src/imaging/index.js';
import { voxelCount } from '../../src/imaging/volume.js';

export interface CaseFingerprint {
  id: string;
  /** reader spacing, array order (RAS-reoriented under NibabelIOWithReorient) */
  spacing: number[];
  shape_before_crop: number[];
  shape_after_crop: number[];
  relative_size_after_cropping: number;
  /** number of foreground voxels (label > 0 in the cropped segmentation) */
  num_foreground: number;
}

export interface AnalyzedCase {
  summary: CaseFingerprint;
  /** one array of foreground values per channel */
  foreground: Float32Array[];
}

/** `readerWriter`: the dataset.json override, when set (nnU-Net fingerprints through that class). */
export async function analyzeCase(id: string, images: string[], label: string, readerWriter?: string): Promise<AnalyzedCase> {
  const img = await readCase(images, readerWriter);
  const seg = await readCaseSegmentation(label, readerWriter);
  const cropped = cropToNonzero(img.data, img.channels, img.shape, seg.data);
  const m = voxelCount(cropped.shape);
  let numFg = 0;
  for (let i = 0; i < m; i++) if (cropped.seg[i] > 0) numFg++;
  const foreground: Float32Array[] = [];
  for (let c = 0; c < img.channels; c++) {
    const out = new Float32Array(numFg);
    const base = c * m;
    let k = 0;
    for (let i = 0; i < m; i++) if (cropped.seg[i] > 0) out[k++] = cropped.data[base + i];
    foreground.push(out);
  }
  return {
    summary: {
      id,
      spacing: [...img.spacing],
      shape_before_crop: [...img.shape],
      shape_after_crop: [...cropped.shape],
      relative_size_after_cropping: m / voxelCount(img.shape),
      num_foreground: numFg,
    },
    foreground,
  };
}
