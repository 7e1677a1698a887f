/**
 * Gradients of the NetOps convolutions, one lazy closure per input: tfjs's tape asks only for the inputs on a
 * path to the trained variables, so the network input's (often 1-channel, full-resolution) backward-data is
 * never computed. The bias gradient is its own channel sum of dy rather than oneDNN's fused one: a value shared
 * between two closures would outlive the tidy of the first and leak whenever the second is not asked for.
 */
import { engine, type GradConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import {
  NnBiasGrad, NnConv, NnConvBackpropFilter, NnConvBackpropInput, NnConvTranspose, NnConvTransposeBackpropFilter,
  type NnConvAttrs, type NnConvTransposeAttrs,
} from '../names.js';

const run = (name: string, inputs: Record<string, Tensor>, attrs: object): Tensor | Tensor[] =>
  engine().runKernel(name, inputs, attrs as NamedAttrMap) as Tensor | Tensor[];

export const nnConvGradConfig: GradConfig = {
  kernelName: NnConv,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const a = attrs as unknown as NnConvAttrs;
    return {
      x: () => run(NnConvBackpropInput, { dy: dy as Tensor, filter }, { ...a, inputShape: x.shape }) as Tensor,
      filter: () => run(NnConvBackpropFilter, { x, dy: dy as Tensor }, { ...a, filterShape: filter.shape }) as Tensor,
      bias: () => run(NnBiasGrad, { dy: dy as Tensor }, {}) as Tensor,
    };
  },
};

export const nnConvTransposeGradConfig: GradConfig = {
  kernelName: NnConvTranspose,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved;
    const a = attrs as unknown as NnConvTransposeAttrs;
    return {
      // the adjoint of the transposed conv is the strided conv (kernel == stride, no padding)
      x: () => run(NnConv, { x: dy as Tensor, filter }, { strides: a.strides, pads: a.strides.map(() => 0) }) as Tensor,
      filter: () => run(NnConvTransposeBackpropFilter, { x, dy: dy as Tensor }, { strides: a.strides, filterShape: filter.shape }) as Tensor,
      bias: () => run(NnBiasGrad, { dy: dy as Tensor }, {}) as Tensor,
    };
  },
};
