// spec §3.5: network topology from spacing and patch size (nnU-Net's get_pool_and_conv_props).
export interface Topology {
  /** pooling operations per axis */
  numPoolPerAxis: number[];
  /** strides per stage; entry 0 is all ones */
  strides: number[][];
  /** conv kernel per stage (the last one is the bottleneck's, always 3) */
  kernelSizes: number[][];
  /** patch padded up to a multiple of `mustBeDivisibleBy` */
  patchSize: number[];
  mustBeDivisibleBy: number[];
}

export interface TopologyConstants {
  /** minimum bottleneck feature-map edge (4) */
  minFeatureMapEdge: number;
  /** pooling limit per axis (999999 = unlimited) */
  maxNumPool: number;
}

/** Pad each axis up to the next multiple of its divisor (an exact multiple stays as it is). */
export function padShape(shape: readonly number[], divisor: readonly number[]): number[] {
  return shape.map((s, i) => {
    const d = divisor[i];
    const r = s % d;
    // nnU-Net adds d - r and takes d back off when r is 0; the astype(int) truncates fractional medians
    return Math.trunc(r === 0 ? s : s + d - r);
  });
}

export function poolAndConv(spacing: readonly number[], patchSize: readonly number[], k: TopologyConstants): Topology {
  const dim = spacing.length;
  const curSpacing = [...spacing];
  const curSize = [...patchSize];
  const strides: number[][] = [new Array(dim).fill(1)];
  const kernelSizes: number[][] = [];
  const numPool = new Array(dim).fill(0);
  const kernel = new Array(dim).fill(1);
  const axes = [...Array(dim).keys()];
  for (;;) {
    let valid = axes.filter((i) => curSize[i] >= 2 * k.minFeatureMapEdge);
    if (valid.length < 1) break;
    const spacingsOfValid = valid.map((i) => curSpacing[i]);
    const minValid = Math.min(...spacingsOfValid);
    valid = valid.filter((i) => curSpacing[i] / minValid < 2 && numPool[i] < k.maxNumPool);
    if (valid.length === 1 && !(curSize[valid[0]] >= 3 * k.minFeatureMapEdge)) break;
    if (valid.length < 1) break;
    const minAll = Math.min(...curSpacing);
    // nnU-Net indexes the spacings of the size-eligible axes (before the factor-2 filter) by the axis number d,
    // not by the axis itself; reproduced as is. Where d runs past that list nnU-Net raises IndexError; we leave
    // the kernel at 1 (NaN < 2 is false).
    for (let d = 0; d < dim; d++) {
      if (kernel[d] !== 3 && spacingsOfValid[d] / minAll < 2) kernel[d] = 3;
    }
    const pool = new Array(dim).fill(1);
    for (const v of valid) {
      pool[v] = 2;
      numPool[v] += 1;
      curSpacing[v] *= 2;
      curSize[v] = Math.ceil(curSize[v] / 2);
    }
    strides.push(pool);
    kernelSizes.push([...kernel]);
  }
  const mustBeDivisibleBy = numPool.map((n) => 2 ** n);
  kernelSizes.push(new Array(dim).fill(3));
  return { numPoolPerAxis: numPool, strides, kernelSizes, patchSize: padShape(patchSize, mustBeDivisibleBy), mustBeDivisibleBy };
}
