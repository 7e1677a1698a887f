export { networkSpec, ArchitectureError, type PlansArchitecture, type NetworkSpec, type NetworkKind } from './architecture.js';
export { parameterCount } from './param-count.js';
export { UNet, type NamedParam, type ApplyOptions, type Conv, type Unit, type ResBlock, type EncoderStage } from './unet.js';
export { heStd } from './init.js';
