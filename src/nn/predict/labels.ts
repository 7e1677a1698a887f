// spec §1.2 + §6.5: from network outputs to probabilities and label maps (nnU-Net's LabelManager at inference).

/** What turns logits into labels: softmax+argmax, or sigmoid regions painted in `regionsClassOrder`. */
export interface LabelHandling {
  /** region-based datasets: label painted where region i has p > 0.5, in this order (later overwrite earlier) */
  regionsClassOrder: readonly number[] | null;
  /** largest label value written (decides uint8 vs uint16) */
  maxLabel: number;
}

export type LabelMap = Uint8Array | Uint16Array;

export function labelHandling(labels: Record<string, number | readonly number[]>, regionsClassOrder?: readonly number[] | null): LabelHandling {
  const regionBased = Object.values(labels).some((v) => Array.isArray(v) && v.length > 1);
  const values = Object.entries(labels).filter(([k]) => k !== 'ignore')
    .flatMap(([, v]) => (typeof v === 'number' ? [v] : [...v]));
  const order = regionBased ? [...(regionsClassOrder ?? [])] : null;
  return { regionsClassOrder: order, maxLabel: Math.max(0, ...values, ...(order ?? [])) };
}

export function allocLabelMap(h: LabelHandling, voxels: number): LabelMap {
  return h.maxLabel < 255 ? new Uint8Array(voxels) : new Uint16Array(voxels);
}

/** In place, (C, voxels): softmax over channels, or sigmoid per channel for regions; float32 like upstream. */
export function applyInferenceNonlin(x: Float32Array, channels: number, h: LabelHandling): Float32Array {
  const n = x.length / channels;
  if (h.regionsClassOrder) {
    for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
    return x;
  }
  for (let v = 0; v < n; v++) {
    let max = -Infinity;
    for (let c = 0; c < channels; c++) max = Math.max(max, x[c * n + v]);
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += (x[c * n + v] = Math.exp(x[c * n + v] - max));
    for (let c = 0; c < channels; c++) x[c * n + v] /= sum;
  }
  return x;
}

/**
 * Probabilities (C, voxels) -> labels: argmax (first maximum wins, as torch/numpy), or for regions the labels of
 * `regionsClassOrder` painted where p > 0.5.
 */
export function probabilitiesToSegmentation(p: Float32Array, channels: number, h: LabelHandling, out?: LabelMap): LabelMap {
  const n = p.length / channels;
  const seg = out ?? allocLabelMap(h, n);
  const order = h.regionsClassOrder;
  if (order) {
    seg.fill(0);
    order.forEach((label, r) => {
      for (let v = 0; v < n; v++) if (p[r * n + v] > 0.5) seg[v] = label;
    });
    return seg;
  }
  for (let v = 0; v < n; v++) {
    let best = 0;
    let bestValue = p[v];
    for (let c = 1; c < channels; c++) {
      const x = p[c * n + v];
      if (x > bestValue) { bestValue = x; best = c; }
    }
    seg[v] = best;
  }
  return seg;
}

/** Logits -> labels without materialising probabilities where the argmax does not need them (softmax case). */
export function logitsToSegmentation(logits: Float32Array, channels: number, h: LabelHandling): LabelMap {
  if (h.regionsClassOrder) return probabilitiesToSegmentation(applyInferenceNonlin(Float32Array.from(logits), channels, h), channels, h);
  return probabilitiesToSegmentation(logits, channels, h);
}

/** sum += x, elementwise: fold logits or ensemble probabilities, accumulated one at a time. */
export function addInto(sum: Float32Array, x: ArrayLike<number>): Float32Array {
  for (let i = 0; i < sum.length; i++) sum[i] += x[i];
  return sum;
}
