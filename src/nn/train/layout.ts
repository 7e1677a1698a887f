/**
 * The data loader hands batches channels first like nnU-Net, (B, C, ...S); tfjs convolutions want channels
 * last, (B, ...S, C). One pass over the typed array, no per-voxel allocation.
 */
export function channelsFirstToLast(src: ArrayLike<number>, shape: number[]): { data: Float32Array; shape: number[] } {
  const [b, c, ...spatial] = shape;
  const vox = spatial.reduce((x, y) => x * y, 1);
  const out = new Float32Array(b * c * vox);
  for (let n = 0; n < b; n++) {
    const base = n * c * vox;
    for (let k = 0; k < c; k++) {
      const from = base + k * vox;
      for (let v = 0; v < vox; v++) out[base + v * c + k] = src[from + v];
    }
  }
  return { data: out, shape: [b, ...spatial, c] };
}
