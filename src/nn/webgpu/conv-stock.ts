/**
 * The products of conv-gemm.ts (fwd, dx, dw of one ConvShape) computed by tfjs-backend-webgpu's stock kernels
 * instead: Conv2D and its backprops (matmul-based) for a depth-1 shape, Conv3D and its backprops (direct) for 3-D.
 * The conv tuner (conv-tuner.ts) times both per shape and keeps the faster. Same inputs and the same [M, N] result
 * as gemm(): fwd (x, filter) -> [voxels, co], dx (dy, filter) -> [voxels, ci], dw (x, dy) -> [taps * ci, co].
 * Stock Conv3D pads only 'same' or 'valid', and 'same' puts an odd padding after where nnU-Net's k // 2 puts it
 * before (a stride-2 conv on an even size); such shapes run on an explicitly padded input with 'valid'.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvShape } from '../kernels/conv-geometry.js';
import type { GemmKind } from './conv-gemm.js';

type Pad3 = 'valid' | 'same' | 'explicit';

/** How stock Conv3D can reproduce the shape's padding. */
function pad3(s: ConvShape): Pad3 {
  if ([...s.padBefore, ...s.padAfter].every((p) => p === 0)) return 'valid';
  // TF's 'same': out = ceil(in / stride), the total padding that needs, its smaller half before
  const same = s.inSize.every((n, i) => {
    const out = Math.ceil(n / s.strides[i]);
    const total = Math.max((out - 1) * s.strides[i] + s.kernel[i] - n, 0);
    return out === s.outSize[i] && Math.floor(total / 2) === s.padBefore[i];
  });
  return same ? 'same' : 'explicit';
}

/** A depth-1 shape with nothing happening along depth, which Conv2D computes without it. */
const is2d = (s: ConvShape): boolean => s.inSize[0] === 1 && s.outSize[0] === 1 && s.kernel[0] === 1
  && s.padBefore[0] === 0 && s.padAfter[0] === 0;

function stock2d(kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [, h, w] = s.inSize;
  const [, oh, ow] = s.outSize;
  const filterShape: [number, number, number, number] = [s.kernel[1], s.kernel[2], s.inChannels, s.outChannels];
  const strides: [number, number] = [s.strides[1], s.strides[2]];
  const pad = [[0, 0], [s.padBefore[1], s.padAfter[1]], [s.padBefore[2], s.padAfter[2]], [0, 0]] as tf.backend_util.ExplicitPadding;
  const x = (t: tf.Tensor) => tf.reshape(t, [s.batch, h, w, s.inChannels]);
  const dy = (t: tf.Tensor) => tf.reshape(t, [s.batch, oh, ow, s.outChannels]);
  const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
  if (kind === 'fwd') return tf.conv2d(x(a) as tf.Tensor4D, tf.reshape(b, filterShape) as tf.Tensor4D, strides, pad);
  if (kind === 'dx') {
    return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dy(a), filter: tf.reshape(b, filterShape) },
      { ...attrs, inputShape: [s.batch, h, w, s.inChannels] } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: x(a), dy: dy(b) },
    { ...attrs, filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function stock3d(kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const filterShape = [...s.kernel, s.inChannels, s.outChannels] as [number, number, number, number, number];
  const strides = s.strides as [number, number, number];
  const mode = pad3(s);
  const pad = mode === 'same' ? 'same' : 'valid';
  // explicit: the padded input, and 'valid' over it
  const inSize = mode === 'explicit' ? s.inSize.map((n, i) => n + s.padBefore[i] + s.padAfter[i]) : s.inSize;
  const x = (t: tf.Tensor): tf.Tensor5D => {
    if (mode !== 'explicit') return tf.reshape<tf.Rank>(t, [s.batch, ...s.inSize, s.inChannels]) as tf.Tensor5D;
    // tfjs-webgpu's Pad shader does not compile for rank 5 (it indexes a vec5 struct), so pad w and c as one axis
    const [d, h, w] = s.inSize;
    const c = s.inChannels;
    const x4 = tf.reshape(t, [s.batch, d, h, w * c]);
    const padded = tf.pad(x4, [[0, 0], [s.padBefore[0], s.padAfter[0]], [s.padBefore[1], s.padAfter[1]],
      [s.padBefore[2] * c, s.padAfter[2] * c]]);
    return tf.reshape<tf.Rank>(padded, [s.batch, ...inSize, c]) as tf.Tensor5D;
  };
  const dy = (t: tf.Tensor) => tf.reshape(t, [s.batch, ...s.outSize, s.outChannels]);
  if (kind === 'fwd') return tf.conv3d(x(a), tf.reshape(b, filterShape) as tf.Tensor5D, strides, pad);
  if (kind === 'dw') {
    return tf.engine().runKernel(tf.Conv3DBackpropFilterV2, { x: x(a), dy: dy(b) },
      { strides, pad, filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  const dx = tf.engine().runKernel(tf.Conv3DBackpropInputV2, { dy: dy(a), filter: tf.reshape(b, filterShape) },
    { strides, pad, inputShape: [s.batch, ...inSize, s.inChannels] } as unknown as tf.NamedAttrMap) as tf.Tensor;
  return mode === 'explicit' ? tf.slice(dx, [0, ...s.padBefore, 0], [s.batch, ...s.inSize, s.inChannels]) : dx;
}

/** gemm()'s product through the stock kernels, as [M, N]; the bias (fwd) is added after. */
export function stockProduct(kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const y = is2d(s) ? stock2d(kind, s, a, b) : stock3d(kind, s, a, b);
    const m = tf.reshape(y, [-1, kind === 'dx' ? s.inChannels : s.outChannels]);
    return bias ? tf.add(m, bias) : m;
  });
}
