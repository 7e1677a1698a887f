// spec §9: connected components as skimage.measure.label (nnU-Net/acvl_utils use connectivity = ndim, i.e.
// full: 26-neighbourhood in 3D; 2D data is (1, H, W), where that is the 8-neighbourhood) and the
// keep-largest filter of nnU-Net's postprocessing.
import { ImageError } from './errors.js';
import { voxelCount, type Shape3 } from './volume.js';

/** 'full' = 26 (8 in a single slice), 'face' = 6 (4) neighbours. */
export type Connectivity = 'full' | 'face';

export interface Components {
  /** 0 = background, 1..count in raster order of each component's first voxel (as skimage numbers them) */
  labels: Int32Array;
  count: number;
  /** sizes[id] = voxel count of component id (sizes[0] = 0) */
  sizes: Int32Array;
}

function neighbourOffsets(connectivity: Connectivity): Int8Array {
  const out: number[] = [];
  for (let dx = -1; dx <= 1; dx++) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dz = -1; dz <= 1; dz++) {
        const steps = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (steps === 0 || (connectivity === 'face' && steps > 1)) continue;
        out.push(dx, dy, dz);
      }
    }
  }
  return Int8Array.from(out);
}

/** Labels the nonzero voxels of `mask` into connected components (breadth-first, no per-voxel allocation). */
export function labelComponents(mask: ArrayLike<number>, shape: Shape3, connectivity: Connectivity = 'full'): Components {
  const n = voxelCount(shape);
  if (mask.length !== n) throw new ImageError('IMAGE_BAD_ARGUMENT', `labelComponents: mask has ${mask.length} voxels, shape [${shape.join(', ')}] ${n}`);
  const [a, b, c] = shape;
  const offs = neighbourOffsets(connectivity);
  const k = offs.length / 3;
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  const sizes: number[] = [0];
  for (let seed = 0; seed < n; seed++) {
    if (mask[seed] === 0 || labels[seed] !== 0) continue;
    const id = sizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = seed;
    labels[seed] = id;
    while (head < tail) {
      const v = queue[head++];
      const z = v % c;
      const y = ((v - z) / c) % b;
      const x = (v - z - y * c) / (b * c);
      for (let i = 0; i < k; i++) {
        const xx = x + offs[3 * i];
        const yy = y + offs[3 * i + 1];
        const zz = z + offs[3 * i + 2];
        if (xx < 0 || xx >= a || yy < 0 || yy >= b || zz < 0 || zz >= c) continue;
        const u = (xx * b + yy) * c + zz;
        if (mask[u] !== 0 && labels[u] === 0) {
          labels[u] = id;
          queue[tail++] = u;
        }
      }
    }
    sizes.push(tail);
  }
  return { labels, count: sizes.length - 1, sizes: Int32Array.from(sizes) };
}

/**
 * acvl_utils remove_all_but_largest_component: a new mask holding only the component(s) of maximal size
 * (ties are all kept). An empty mask stays empty.
 */
export function removeAllButLargestComponent(mask: ArrayLike<number>, shape: Shape3, connectivity: Connectivity = 'full'): Uint8Array {
  const { labels, count, sizes } = labelComponents(mask, shape, connectivity);
  const out = new Uint8Array(labels.length);
  if (count === 0) return out;
  let max = 0;
  for (let i = 1; i <= count; i++) if (sizes[i] > max) max = sizes[i];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0 && sizes[labels[i]] === max) out[i] = 1;
  return out;
}

/**
 * nnU-Net remove_all_but_largest_component_from_segmentation: the union of the given labels/regions is
 * reduced to its largest component(s); removed voxels become `background`. Returns a new label map.
 */
export function keepLargestComponentOfLabels<T extends Uint8Array | Uint16Array | Int16Array | Int32Array>(
  seg: T,
  shape: Shape3,
  labelsOrRegions: ReadonlyArray<number | readonly number[]>,
  background = 0,
): T {
  const wanted = new Set(labelsOrRegions.flatMap((r) => (typeof r === 'number' ? [r] : [...r])));
  const mask = new Uint8Array(seg.length);
  for (let i = 0; i < seg.length; i++) if (wanted.has(seg[i])) mask[i] = 1;
  const keep = removeAllButLargestComponent(mask, shape);
  const out = seg.slice() as T;
  for (let i = 0; i < out.length; i++) if (mask[i] === 1 && keep[i] === 0) out[i] = background;
  return out;
}
