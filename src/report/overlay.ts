/**
 * Slice overlays for the report: the middle axial slice through the foreground (reference or prediction),
 * drawn three times side by side (image, image + reference, image + prediction) as one PNG.
 */
import { PNG } from 'pngjs';
import { readImage, readSegmentation, type Volume } from '../imaging/index.js';
import { ReportError } from './errors.js';

const LABEL_COLORS: ReadonlyArray<readonly [number, number, number]> = [
  [230, 57, 70], [42, 157, 143], [233, 196, 106], [69, 123, 157], [244, 162, 97], [131, 56, 236],
];
const GAP = 4;
const MIN_PANEL = 160;

/** Index along the first array axis in the middle of the slices holding any foreground of `a` or `b`. */
export function foregroundMiddleSlice(a: ArrayLike<number>, b: ArrayLike<number>, shape: readonly number[]): number {
  const per = shape[1] * shape[2];
  let lo = -1;
  let hi = -1;
  for (let s = 0; s < shape[0]; s++) {
    for (let i = s * per; i < (s + 1) * per; i++) {
      if (a[i] > 0 || b[i] > 0) {
        if (lo < 0) lo = s;
        hi = s;
        break;
      }
    }
  }
  return lo < 0 ? Math.floor(shape[0] / 2) : Math.floor((lo + hi) / 2);
}

/** Grey levels of one slice, windowed to its 0.5..99.5 percentiles so one bright voxel cannot wash it out. */
function greySlice(image: Float32Array, offset: number, n: number): Uint8Array {
  const sorted = Float32Array.from(image.subarray(offset, offset + n)).sort();
  const lo = sorted[Math.floor(0.005 * (n - 1))];
  const hi = sorted[Math.ceil(0.995 * (n - 1))];
  const out = new Uint8Array(n);
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < n; i++) out[i] = Math.max(0, Math.min(255, Math.round((image[offset + i] - lo) * scale)));
  return out;
}

function sameShape(a: Volume, b: Volume): boolean {
  return a.shape.every((s, i) => s === b.shape[i]);
}

/** PNG bytes of the three panels; throws REPORT_OVERLAY_SHAPE when the files do not share a grid. */
export async function overlayPng(imageFile: string, referenceFile: string, predictionFile: string): Promise<Buffer> {
  const [image, ref, pred] = [await readImage([imageFile]), await readSegmentation(referenceFile), await readSegmentation(predictionFile)];
  for (const [v, f] of [[ref, referenceFile], [pred, predictionFile]] as const) {
    if (!sameShape(image, v)) {
      throw new ReportError('REPORT_OVERLAY_SHAPE', `${f}: shape ${v.shape.join('x')} differs from the image's ${image.shape.join('x')}`, { file: f });
    }
  }
  const [, rows, cols] = image.shape;
  const z = foregroundMiddleSlice(ref.data, pred.data, image.shape);
  const n = rows * cols;
  const grey = greySlice(image.data, z * n, n);
  const k = Math.max(1, Math.ceil(MIN_PANEL / Math.max(rows, cols)));
  const png = new PNG({ width: 3 * cols * k + 2 * GAP, height: rows * k });
  png.data.fill(255);
  const labels = [null, ref.data, pred.data];
  for (let p = 0; p < 3; p++) {
    const seg = labels[p];
    for (let r = 0; r < rows * k; r++) {
      for (let c = 0; c < cols * k; c++) {
        const i = Math.floor(r / k) * cols + Math.floor(c / k);
        const g = grey[i];
        const label = seg ? seg[z * n + i] : 0;
        const color = label > 0 ? LABEL_COLORS[(label - 1) % LABEL_COLORS.length] : undefined;
        const o = (r * png.width + p * (cols * k + GAP) + c) * 4;
        png.data[o] = color ? (g + color[0]) >> 1 : g;
        png.data[o + 1] = color ? (g + color[1]) >> 1 : g;
        png.data[o + 2] = color ? (g + color[2]) >> 1 : g;
        png.data[o + 3] = 255;
      }
    }
  }
  return PNG.sync.write(png);
}
