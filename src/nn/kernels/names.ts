/**
 * Names and attributes of the kernels this project adds to tfjs (the NetOps building blocks). Stock tfjs
 * kernels we replace keep their tfjs names (Conv3D, ...); these are new, prefixed `Nn`.
 */
export const NnConv = 'NnConv';
export const NnConvBackpropInput = 'NnConvBackpropInput';
export const NnConvBackpropFilter = 'NnConvBackpropFilter';
export const NnConvTranspose = 'NnConvTranspose';
export const NnConvTransposeBackpropFilter = 'NnConvTransposeBackpropFilter';
/** Sum of dy over every axis but the channel axis: a bias gradient. */
export const NnBiasGrad = 'NnBiasGrad';
export const NnInstanceNorm = 'NnInstanceNorm';
export const NnInstanceNormGrad = 'NnInstanceNormGrad';
export const NnLeakyRelu = 'NnLeakyRelu';
export const NnLeakyReluGrad = 'NnLeakyReluGrad';
export const NnConcatChannels = 'NnConcatChannels';
export const NnSliceChannels = 'NnSliceChannels';
export const NnSoftmax = 'NnSoftmax';
export const NnSoftmaxGrad = 'NnSoftmaxGrad';

/** Symmetric pads per spatial axis (nnU-Net's k//2), strides per spatial axis. */
export interface NnConvAttrs { strides: number[]; pads: number[] }
export interface NnConvBackpropInputAttrs extends NnConvAttrs { inputShape: number[] }
export interface NnConvBackpropFilterAttrs extends NnConvAttrs { filterShape: number[] }
export interface NnConvTransposeAttrs { strides: number[] }
export interface NnConvTransposeBackpropFilterAttrs extends NnConvTransposeAttrs { filterShape: number[] }
/** slope 1 = no activation. Outputs y, mean [N, C], rstd [N, C]. */
export interface NnInstanceNormAttrs { eps: number; slope: number }
export interface NnInstanceNormGradAttrs { slope: number }
export interface NnLeakyReluAttrs { slope: number }
export interface NnSliceChannelsAttrs { begin: number; size: number }
