/**
 * Convolution geometry in the addon's terms (one 3-D description; 2-D is D = kd = sd = 1), built either from
 * tfjs's ConvInfo (stock Conv2D/Conv3D kernels) or from nnU-Net's explicit symmetric pads (NetOps.conv),
 * which tfjs cannot express for conv3d (its numeric pad is the same on every axis).
 */
import type { backend_util } from '@tensorflow/tfjs-core';
import type { Geometry } from './addon.js';

export interface ConvShape {
  batch: number;
  inChannels: number;
  outChannels: number;
  /** spatial sizes, kernel, strides and pads per axis, always 3 long (2-D prepends depth 1) */
  inSize: number[];
  kernel: number[];
  strides: number[];
  padBefore: number[];
  padAfter: number[];
  outSize: number[];
}

export function toGeometry(s: ConvShape): Geometry {
  return [s.batch, s.inChannels, ...s.inSize, s.outChannels, ...s.kernel, ...s.strides, ...s.padBefore,
    ...s.padAfter, ...s.outSize];
}

const to3 = (a: number[], fill: number): number[] => (a.length === 2 ? [fill, ...a] : a);

/**
 * nnU-Net's convolution: symmetric pads per spatial axis (PyTorch `padding=k//2`), output
 * floor((in + 2p - k) / s) + 1 per axis. x: [N, ...spatial, Cin], w: [...kernel, Cin, Cout].
 */
export function symmetricConvShape(xShape: number[], wShape: number[], strides: number[], pads: number[]): ConvShape {
  const r = xShape.length - 2;
  const problems: string[] = [];
  if (r !== 2 && r !== 3) problems.push(`x must be 4-D or 5-D channels-last, got shape [${xShape}]`);
  if (wShape.length !== r + 2) problems.push(`filter rank ${wShape.length} does not match x rank ${xShape.length}`);
  if (strides.length !== r || pads.length !== r) problems.push(`strides/pads need ${r} entries, got [${strides}] / [${pads}]`);
  if (wShape[r] !== xShape[r + 1]) problems.push(`filter expects ${wShape[r]} input channels, x has ${xShape[r + 1]}`);
  const inSize = xShape.slice(1, 1 + r);
  const kernel = wShape.slice(0, r);
  const outSize = inSize.map((n, i) => Math.floor((n + 2 * pads[i] - kernel[i]) / strides[i]) + 1);
  if (outSize.some((n) => !(n >= 1))) problems.push(`output size [${outSize}] from input [${inSize}], kernel [${kernel}]`);
  if (problems.length > 0) throw new Error(`conv: ${problems.join('; ')}`);
  return {
    batch: xShape[0], inChannels: xShape[r + 1], outChannels: wShape[r + 1],
    inSize: to3(inSize, 1), kernel: to3(kernel, 1), strides: to3(strides, 1),
    padBefore: to3(pads, 0), padAfter: to3(pads, 0), outSize: to3(outSize, 1),
  };
}

/**
 * Transposed convolution with kernel == stride, no padding: the adjoint of the strided convolution that maps
 * the (larger) output back onto x. x: [N, ...spatial, Cin], w: [...kernel, Cout, Cin] (tfjs layout).
 */
export function transposedConvShape(xShape: number[], wShape: number[], strides: number[]): ConvShape {
  const r = xShape.length - 2;
  const kernel = wShape.slice(0, r);
  if ((r !== 2 && r !== 3) || wShape.length !== r + 2 || strides.length !== r || wShape[r + 1] !== xShape[r + 1]
    || kernel.some((k, i) => k !== strides[i])) {
    throw new Error(`convTranspose: needs kernel == stride and matching channels; x [${xShape}], w [${wShape}], strides [${strides}]`);
  }
  const inSize = xShape.slice(1, 1 + r);
  const zeros = new Array<number>(r).fill(0);
  return {
    batch: xShape[0], inChannels: wShape[r], outChannels: xShape[r + 1],
    inSize: to3(inSize.map((n, i) => n * strides[i]), 1), kernel: to3(kernel, 1), strides: to3(strides, 1),
    padBefore: to3(zeros, 0), padAfter: to3(zeros, 0), outSize: to3(inSize, 1),
  };
}

/** oneDNN rejects a geometry whose output size does not follow from input, kernel, stride and pads. */
function consistent(s: ConvShape): ConvShape | undefined {
  const ok = s.outSize.every((o, i) =>
    o === Math.floor((s.inSize[i] + s.padBefore[i] + s.padAfter[i] - s.kernel[i]) / s.strides[i]) + 1)
    && [...s.padBefore, ...s.padAfter].every((p) => p >= 0);
  return ok ? s : undefined;
}

/**
 * From tfjs's ConvInfo (stock kernels); undefined where the addon does not apply (dilation, channels-first,
 * an output size oneDNN would not derive), so the caller falls back to the stock kernel.
 */
export function fromConvInfo(ci: backend_util.Conv2DInfo | backend_util.Conv3DInfo): ConvShape | undefined {
  if (ci.dataFormat !== 'channelsLast') return undefined;
  if ('inDepth' in ci) {
    if (ci.dilationDepth !== 1 || ci.dilationHeight !== 1 || ci.dilationWidth !== 1) return undefined;
    const p = ci.padInfo;
    return consistent({
      batch: ci.batchSize, inChannels: ci.inChannels, outChannels: ci.outChannels,
      inSize: [ci.inDepth, ci.inHeight, ci.inWidth], kernel: [ci.filterDepth, ci.filterHeight, ci.filterWidth],
      strides: [ci.strideDepth, ci.strideHeight, ci.strideWidth], padBefore: [p.front, p.top, p.left],
      padAfter: [p.back, p.bottom, p.right], outSize: [ci.outDepth, ci.outHeight, ci.outWidth],
    });
  }
  if (ci.dilationHeight !== 1 || ci.dilationWidth !== 1) return undefined;
  const p = ci.padInfo;
  return consistent({
    batch: ci.batchSize, inChannels: ci.inChannels, outChannels: ci.outChannels,
    inSize: [1, ci.inHeight, ci.inWidth], kernel: [1, ci.filterHeight, ci.filterWidth],
    strides: [1, ci.strideHeight, ci.strideWidth], padBefore: [0, p.top, p.left],
    padAfter: [0, p.bottom, p.right], outSize: [1, ci.outHeight, ci.outWidth],
  });
}
