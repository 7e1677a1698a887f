/**
 * tfjs's own convolution kernels (Conv2D, Conv3D and their backprop kernels) on oneDNN, so plain tfjs code
 * (tf.conv3d, its gradients, tf.conv3dTranspose) runs at native speed. Anything the addon does not cover
 * (dilation, channels-first, non-float32) goes to the stock kernel that was registered before.
 */
import {
  backend_util, Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, Conv3D, Conv3DBackpropFilterV2,
  Conv3DBackpropInputV2, type KernelConfig, type KernelFunc, type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { requireAddon } from '../addon.js';
import { fromConvInfo, toGeometry, type ConvShape } from '../conv-geometry.js';
import { f32, size } from '../cpu-args.js';

type Shape4 = [number, number, number, number];
type Shape5 = [number, number, number, number, number];
interface ConvAttrs {
  strides: number | number[];
  pad: 'same' | 'valid' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW' | 'NDHWC' | 'NCDHW';
  dilations?: number | number[];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape?: number[];
  filterShape?: number[];
}
interface Args { inputs: Record<string, TensorInfo>; backend: MathBackendCPU; attrs: ConvAttrs }

/** The ConvInfo tfjs itself computes for these attrs; undefined = not for the addon. */
function shapeOf(xShape: number[], filterShape: number[], a: ConvAttrs): ConvShape | undefined {
  const channelsLast = a.dataFormat === undefined || a.dataFormat === 'NHWC' || a.dataFormat === 'NDHWC';
  if (!channelsLast) return undefined;
  if (xShape.length === 5) {
    if (typeof a.pad === 'object') return undefined;
    return fromConvInfo(backend_util.computeConv3DInfo(xShape as Shape5, filterShape as Shape5,
      a.strides as number | [number, number, number], (a.dilations ?? 1) as number | [number, number, number], a.pad));
  }
  return fromConvInfo(backend_util.computeConv2DInfo(xShape as Shape4, filterShape as Shape4,
    a.strides as number | [number, number], (a.dilations ?? 1) as number | [number, number], a.pad,
    a.dimRoundingMode, false, 'channelsLast'));
}

const isF32 = (...ts: TensorInfo[]): boolean => ts.every((t) => t.dtype === 'float32');

function forward(stock: KernelFunc) {
  return (args: Args): TensorInfo => {
    const { inputs: { x, filter }, backend, attrs } = args;
    const s = isF32(x, filter) ? shapeOf(x.shape, filter.shape, attrs) : undefined;
    if (!s) return stock(args as never) as TensorInfo;
    const outShape = [s.batch, ...(x.shape.length === 5 ? s.outSize : s.outSize.slice(1)), s.outChannels];
    const y = new Float32Array(size(outShape));
    requireAddon().convForward(toGeometry(s), f32(backend, x), f32(backend, filter), null, y);
    return backend.makeTensorInfo(outShape, 'float32', y);
  };
}

function backpropInput(stock: KernelFunc) {
  return (args: Args): TensorInfo => {
    const { inputs: { dy, filter }, backend, attrs } = args;
    const inputShape = attrs.inputShape as number[];
    const s = isF32(dy, filter) ? shapeOf(inputShape, filter.shape, attrs) : undefined;
    if (!s) return stock(args as never) as TensorInfo;
    const dx = new Float32Array(size(inputShape));
    requireAddon().convBackwardData(toGeometry(s), f32(backend, dy), f32(backend, filter), dx);
    return backend.makeTensorInfo(inputShape, 'float32', dx);
  };
}

function backpropFilter(stock: KernelFunc) {
  return (args: Args): TensorInfo => {
    const { inputs: { x, dy }, backend, attrs } = args;
    const filterShape = attrs.filterShape as number[];
    const s = isF32(x, dy) ? shapeOf(x.shape, filterShape, attrs) : undefined;
    if (!s) return stock(args as never) as TensorInfo;
    const dw = new Float32Array(size(filterShape));
    requireAddon().convBackwardWeights(toGeometry(s), f32(backend, x), f32(backend, dy), dw, null);
    return backend.makeTensorInfo(filterShape, 'float32', dw);
  };
}

/** Kernel configs wrapping the given stock kernels (looked up by the caller, which owns registration). */
export function stockConvConfigs(stock: (kernelName: string) => KernelFunc): KernelConfig[] {
  const make = (kernelName: string, wrap: (s: KernelFunc) => (a: Args) => TensorInfo): KernelConfig =>
    ({ kernelName, backendName: 'cpu', kernelFunc: wrap(stock(kernelName)) as unknown as KernelFunc });
  return [
    make(Conv2D, forward), make(Conv3D, forward),
    make(Conv2DBackpropInput, backpropInput), make(Conv3DBackpropInputV2, backpropInput),
    make(Conv2DBackpropFilter, backpropFilter), make(Conv3DBackpropFilterV2, backpropFilter),
  ];
}
