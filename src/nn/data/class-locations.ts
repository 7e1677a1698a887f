// spec §4.5 (what preprocessing stores) and §5.5 (how the loader picks a class and a voxel)

/** One key of a case's `class_locations`: a label, a region tuple, or the annotated-region key (-1, ...labels). */
export interface ClassLocationEntry {
  key: string;
  labels: number[];
  /** nnU-Net's annotated_classes_key (-1, *all_labels), present only with an ignore label */
  annotated: boolean;
  /** flattened [c, x, y, z] rows (the channel entry first, as nnU-Net stores them) */
  coords: Int32Array;
  /** entries per row: the channel entry and three spatial coordinates */
  stride: number;
}

/** Preprocessed arrays are always (C, X, Y, Z), 2D configurations included, so every row has 4 entries. */
const ROW = 4;

/**
 * Parses the JSON form of nnU-Net's class_locations. Keys are written as "1" for a label and as
 * "(-1, 0, 1)" / "[1, 2]" / "1,2" for tuples; every integer in the key is a label of it.
 */
export function parseClassLocations(raw: Record<string, unknown>, where: string): ClassLocationEntry[] {
  return Object.entries(raw).map(([key, value]) => {
    const labels = (key.match(/-?\d+/g) ?? []).map(Number);
    if (labels.length === 0) throw new TypeError(`${where}: class_locations key "${key}" names no label`);
    if (!Array.isArray(value)) throw new TypeError(`${where}: class_locations["${key}"] is not a list`);
    const stride = ROW;
    const coords = new Int32Array(value.length * stride);
    value.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== stride) {
        throw new TypeError(`${where}: class_locations["${key}"][${i}] is not a [c, x, y, z] row`);
      }
      for (let k = 0; k < stride; k++) coords[i * stride + k] = Number(row[k]);
    });
    return { key, labels, annotated: labels.length > 1 && labels[0] === -1, coords, stride };
  });
}

/** Number of stored voxels of an entry. */
export function entryCount(e: ClassLocationEntry): number {
  return e.coords.length / e.stride;
}

/**
 * Keys a forced-foreground sample may pick (nnUNetDataLoader.get_bbox): every key with at least one stored
 * voxel, minus the annotated-region key when anything else is left. `onlyLabels` (when non-empty) further
 * restricts single-label keys to those labels.
 */
export function eligibleForForeground(entries: ClassLocationEntry[], onlyLabels: readonly number[] = []): ClassLocationEntry[] {
  let eligible = entries.filter((e) => entryCount(e) > 0);
  if (onlyLabels.length > 0) {
    eligible = eligible.filter((e) => e.annotated || e.labels.length > 1 || onlyLabels.includes(e.labels[0]));
  }
  const annotatedIndex = eligible.findIndex((e) => e.annotated);
  if (annotatedIndex >= 0 && eligible.length > 1) eligible.splice(annotatedIndex, 1);
  return eligible;
}
