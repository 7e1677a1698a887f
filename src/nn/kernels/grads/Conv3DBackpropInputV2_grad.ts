/**
 * tfjs-core registers no gradient for Conv3DBackpropInputV2, so tf.conv3dTranspose cannot train on any backend.
 * It is the adjoint of Conv3D: the gradient to dy is the forward conv of the upstream gradient, the gradient
 * to the filter is Conv3DBackpropFilterV2 with x and dy swapped (the same rule tfjs uses for Conv2DBackpropInput).
 */
import {
  conv3d, Conv3DBackpropFilterV2, Conv3DBackpropInputV2, engine, type Conv3DBackpropInputV2Attrs,
  type GradConfig, type NamedAttrMap, type Tensor, type Tensor5D,
} from '@tensorflow/tfjs-core';

export const conv3DBackpropInputV2GradConfig: GradConfig = {
  kernelName: Conv3DBackpropInputV2,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [dy, filter] = saved;
    const { strides, pad } = attrs as unknown as Conv3DBackpropInputV2Attrs;
    const upstream = ddx as Tensor5D;
    return {
      dy: () => conv3d(upstream, filter as Tensor5D, strides, pad),
      filter: () => engine().runKernel(Conv3DBackpropFilterV2, { x: upstream, dy },
        { strides, pad, filterShape: filter.shape } as unknown as NamedAttrMap) as Tensor,
    };
  },
};
