// spec §9: the postprocessing operations nnU-Net records (postprocessing.json) and how they are replayed.
// module paths, not the imaging barrel: the browser bundle (src/web) must not pull in the file readers
import { keepLargestComponentOfLabels } from '../../src/imaging/components.js';
import type { LabelOrRegion } from '../../src/imaging/metrics.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import type { LabelMap } from '../../src/nn/predict/labels.js';

export const KEEP_LARGEST = 'remove_all_but_largest_component_from_segmentation';

export interface PostprocessingOp {
  fn: typeof KEEP_LARGEST;
  /** one label/region, or several whose union forms the mask (the all-foreground step) */
  labels_or_regions: LabelOrRegion | LabelOrRegion[];
}

/**
 * nnU-Net's remove_all_but_largest_component_from_segmentation: removed voxels of the mask become background.
 * The mask is the union over every label named, flattened: a region is the union of its labels and a list of
 * labels/regions the union of those, so the JSON form ([1, 2] for a region or for two labels) is never ambiguous.
 */
export function keepLargestOf<T extends LabelMap>(seg: T, shape: Shape3, labelsOrRegions: LabelOrRegion | LabelOrRegion[]): T {
  return keepLargestComponentOfLabels(seg, shape, [labelsOrRegions].flat(2) as number[]);
}

export function applyOps<T extends LabelMap>(seg: T, shape: Shape3, ops: readonly PostprocessingOp[]): T {
  return ops.reduce((s, op) => keepLargestOf(s, shape, op.labels_or_regions), seg);
}
