// spec §5.6 step 13: the footprints and binary operators of batchgeneratorsv2's ApplyRandomBinaryOperatorTransform
// (skimage ball/disk with a float radius; dilation as a 'same'-padded correlation, erosion = not dilate(not x))

/** A binary structuring element: dense (k0, k1, k2) mask, 2D footprints have k0 = 1. */
export interface Footprint {
  shape: [number, number, number];
  mask: Uint8Array;
}

/**
 * skimage.morphology.ball(r) for a float r: np.mgrid[-r:r:(2r+1)j] gives floor(2r + 1) evenly spaced points
 * from -r to r per axis (an even count for some radii, so the centre falls between voxels), kept where
 * x² + y² + z² <= r².
 */
export function ball(radius: number): Footprint {
  const m = Math.floor(2 * radius + 1);
  const step = m > 1 ? (2 * radius) / (m - 1) : 0;
  const coord = Float64Array.from({ length: m }, (_, i) => i * step - radius);
  const mask = new Uint8Array(m * m * m);
  const r2 = radius * radius;
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let c = 0; c < m; c++) {
    mask[(a * m + b) * m + c] = coord[a] ** 2 + coord[b] ** 2 + coord[c] ** 2 <= r2 ? 1 : 0;
  }
  return { shape: [m, m, m], mask };
}

/** skimage.morphology.disk(r) for a float r: np.arange(-r, r + 1) per axis (ceil(2r + 1) points, not centred). */
export function disk(radius: number): Footprint {
  const m = Math.ceil(2 * radius + 1);
  const mask = new Uint8Array(m * m);
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) mask[a * m + b] = (a - radius) ** 2 + (b - radius) ** 2 <= radius ** 2 ? 1 : 0;
  return { shape: [1, m, m], mask };
}

interface Run {
  d0: number;
  d1: number;
  lo: number;
  hi: number;
}

/** The footprint as runs along the last axis, offsets relative to the output voxel ('same' padding: left = (k - 1) >> 1). */
function runs(fp: Footprint): Run[] {
  const [k0, k1, k2] = fp.shape;
  const [l0, l1, l2] = fp.shape.map((k) => (k - 1) >> 1);
  const out: Run[] = [];
  for (let a = 0; a < k0; a++) for (let b = 0; b < k1; b++) {
    let c = 0;
    while (c < k2) {
      if (!fp.mask[(a * k1 + b) * k2 + c]) {
        c++;
        continue;
      }
      const start = c;
      while (c < k2 && fp.mask[(a * k1 + b) * k2 + c]) c++;
      out.push({ d0: a - l0, d1: b - l1, lo: start - l2, hi: c - 1 - l2 });
    }
  }
  return out;
}

/**
 * out[p] = 1 iff some footprint voxel j has src[p + j - left] set (torch conv with padding='same', zero padding,
 * thresholded > 0). Runs along the last axis are dilated once per distinct extent with prefix sums, then OR-ed in
 * at their (d0, d1) offsets, so the cost is (number of footprint rows) x voxels rather than footprint size x voxels.
 */
export function dilate(src: Uint8Array, shape: readonly [number, number, number], fp: Footprint, out = new Uint8Array(src.length)): Uint8Array {
  const [s0, s1, s2] = shape;
  const rs = runs(fp);
  const extents = new Map<string, Uint8Array>();
  const prefix = new Int32Array(s2 + 1);
  for (const r of rs) {
    const key = `${r.lo},${r.hi}`;
    if (extents.has(key)) continue;
    const line = new Uint8Array(src.length);
    for (let row = 0; row < s0 * s1; row++) {
      const base = row * s2;
      for (let z = 0; z < s2; z++) prefix[z + 1] = prefix[z] + src[base + z];
      for (let z = 0; z < s2; z++) {
        const a = Math.max(0, z + r.lo);
        const b = Math.min(s2 - 1, z + r.hi);
        line[base + z] = b >= a && prefix[b + 1] - prefix[a] > 0 ? 1 : 0;
      }
    }
    extents.set(key, line);
  }
  out.fill(0);
  // rows of whole 32-bit words (s2 % 4 == 0, the usual patch sizes) are OR-ed four voxels at a time
  const words = s2 % 4 === 0 && out.byteOffset % 4 === 0;
  const w = words ? 4 : 1;
  const view = (a: Uint8Array) => (words ? new Uint32Array(a.buffer, a.byteOffset, a.length / 4) : a);
  const dst = view(out);
  for (const r of rs) {
    const line = view(extents.get(`${r.lo},${r.hi}`)!);
    const len = s2 / w;
    for (let x = Math.max(0, -r.d0); x < Math.min(s0, s0 - r.d0); x++) {
      for (let y = Math.max(0, -r.d1); y < Math.min(s1, s1 - r.d1); y++) {
        const o = ((x * s1 + y) * s2) / w;
        const i = (((x + r.d0) * s1 + y + r.d1) * s2) / w;
        for (let z = 0; z < len; z++) dst[o + z] |= line[i + z];
      }
    }
  }
  return out;
}

const invert = (m: Uint8Array): Uint8Array => m.map((v) => 1 - v);

export function erode(src: Uint8Array, shape: readonly [number, number, number], fp: Footprint): Uint8Array {
  return invert(dilate(invert(src), shape, fp));
}

export type BinaryOperator = 'dilation' | 'erosion' | 'closing' | 'opening';
/** batchgeneratorsv2's any_of_these, in its order */
export const BINARY_OPERATORS: readonly BinaryOperator[] = ['dilation', 'erosion', 'closing', 'opening'];

export function applyBinaryOperator(op: BinaryOperator, src: Uint8Array, shape: readonly [number, number, number], fp: Footprint): Uint8Array {
  switch (op) {
    case 'dilation': return dilate(src, shape, fp);
    case 'erosion': return erode(src, shape, fp);
    case 'closing': return erode(dilate(src, shape, fp), shape, fp);
    case 'opening': return dilate(erode(src, shape, fp), shape, fp);
  }
}
