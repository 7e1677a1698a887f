// spec §6.4: the importance map that weights each tile's logits (compute_gaussian, sigma patch/8, max 10).

/**
 * Separable Gaussian centred on `patch // 2` with sigma `patch / 8`, zero beyond scipy's truncation radius
 * `floor(4 sigma + 0.5)`, scaled so its maximum is 10; zeros are replaced by the smallest nonzero value so that
 * every voxel of a tile carries some weight (no division by zero where only tile borders overlap).
 * Upstream stores the map as float16 on the GPU; we keep float32 (spec §6.4: "use fp32").
 */
/** nnU-Net's compute_gaussian defaults (also written into ONNX exports for pipelines that rebuild the map) */
export const GAUSSIAN_SIGMA_SCALE = 1 / 8;
export const GAUSSIAN_VALUE_SCALING = 10;

export function computeGaussian(patchSize: readonly number[], sigmaScale = GAUSSIAN_SIGMA_SCALE, maxValue = GAUSSIAN_VALUE_SCALING): Float32Array {
  // The per-axis weights are scipy's unnormalised 1D kernel; the normalisation cancels when scaling to max.
  const axes = patchSize.map((p) => {
    const centre = Math.floor(p / 2);
    const sigma = p * sigmaScale;
    const radius = Math.floor(4 * sigma + 0.5);
    const w = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      const d = i - centre;
      w[i] = Math.abs(d) <= radius ? Math.exp(-0.5 * (d / sigma) ** 2) : 0;
    }
    return w;
  });
  const n = patchSize.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const idx = new Array<number>(patchSize.length).fill(0);
  let minNonzero = Infinity;
  for (let i = 0; i < n; i++) {
    let v = maxValue;
    for (let d = 0; d < axes.length; d++) v *= axes[d][idx[d]];
    out[i] = v;
    if (out[i] > 0 && out[i] < minNonzero) minNonzero = out[i];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < patchSize[d]) break;
      idx[d] = 0;
    }
  }
  for (let i = 0; i < n; i++) if (out[i] === 0) out[i] = minNonzero;
  return out;
}
