/**
 * The network description of one plans configuration (`architecture` in nnUNetPlans.json, mirrored 1:1),
 * normalised into the small record the builder and the parameter counter work from.
 */
import { NnunetError, type Issue } from '../../engine/errors.js';
import type { Architecture } from '../../../nodes/plan/format.js';

/** `configurations.<name>.architecture` as nnU-Net writes it (nodes/plan/format.ts mirrors the plans file). */
export type PlansArchitecture = Architecture;

export type NetworkKind = 'plain' | 'resenc';

export interface NetworkSpec {
  kind: NetworkKind;
  dim: 2 | 3;
  inputChannels: number;
  /** output channels: all labels (softmax) or foreground regions (sigmoid) */
  numClasses: number;
  features: number[];
  kernels: number[][];
  strides: number[][];
  /** plain: convs per encoder stage; resenc: residual blocks per encoder stage */
  encoderDepth: number[];
  decoderConvs: number[];
  convBias: boolean;
  normEps: number;
  slope: number;
}

export class ArchitectureError extends NnunetError {}

const TORCH_LEAKY_RELU_DEFAULT_SLOPE = 0.01;
const TORCH_INSTANCE_NORM_DEFAULT_EPS = 1e-5;

function networkKind(className: string): NetworkKind | undefined {
  if (className.endsWith('PlainConvUNet')) return 'plain';
  if (className.endsWith('ResidualEncoderUNet')) return 'resenc';
  return undefined;
}

/** Validates an architecture entry and collects every problem before throwing. */
export function networkSpec(arch: PlansArchitecture, inputChannels: number, numClasses: number): NetworkSpec {
  const issues: Issue[] = [];
  const bad = (path: string, message: string) => issues.push({ code: 'ARCHITECTURE_INVALID', path, message });
  const k = arch.arch_kwargs ?? ({} as PlansArchitecture['arch_kwargs']);
  const kind = networkKind(arch.network_class_name ?? '');
  if (!kind) bad('/network_class_name', `unsupported network class '${arch.network_class_name}' (PlainConvUNet or ResidualEncoderUNet)`);
  const dim = /Conv3d$/.test(k.conv_op ?? '') ? 3 : /Conv2d$/.test(k.conv_op ?? '') ? 2 : undefined;
  if (!dim) bad('/arch_kwargs/conv_op', `unsupported conv_op '${k.conv_op}'`);
  if (!/InstanceNorm[23]d$/.test(k.norm_op ?? '')) bad('/arch_kwargs/norm_op', `only instance norm is supported, got '${k.norm_op}'`);
  if (k.norm_op_kwargs?.affine === false) bad('/arch_kwargs/norm_op_kwargs/affine', 'non-affine instance norm is not supported');
  if (k.dropout_op) bad('/arch_kwargs/dropout_op', 'dropout is not supported (nnU-Net plans use none)');
  if (!/LeakyReLU$/.test(k.nonlin ?? '')) bad('/arch_kwargs/nonlin', `only LeakyReLU is supported, got '${k.nonlin}'`);
  const n = k.n_stages;
  if (!Number.isInteger(n) || n < 2) bad('/arch_kwargs/n_stages', `n_stages must be an integer >= 2, got ${n}`);
  const encoderDepth = kind === 'resenc' ? k.n_blocks_per_stage : k.n_conv_per_stage;
  const lists: [string, unknown[] | undefined, number][] = [
    ['features_per_stage', k.features_per_stage, n],
    ['kernel_sizes', k.kernel_sizes, n],
    ['strides', k.strides, n],
    [kind === 'resenc' ? 'n_blocks_per_stage' : 'n_conv_per_stage', encoderDepth, n],
    ['n_conv_per_stage_decoder', k.n_conv_per_stage_decoder, n - 1],
  ];
  for (const [name, list, len] of lists) {
    if (!Array.isArray(list) || list.length !== len) bad(`/arch_kwargs/${name}`, `${name} must have ${len} entries, got ${Array.isArray(list) ? list.length : typeof list}`);
  }
  for (const [name, list] of [['kernel_sizes', k.kernel_sizes], ['strides', k.strides]] as const) {
    (Array.isArray(list) ? list : []).forEach((v, i) => {
      if (!Array.isArray(v) || v.length !== dim) bad(`/arch_kwargs/${name}/${i}`, `${name}[${i}] must have ${dim} entries`);
    });
  }
  (Array.isArray(k.kernel_sizes) ? k.kernel_sizes : []).forEach((v, i) => {
    if (Array.isArray(v) && v.some((x) => x % 2 !== 1)) bad(`/arch_kwargs/kernel_sizes/${i}`, 'kernel sizes must be odd');
  });
  if (!Number.isInteger(inputChannels) || inputChannels < 1) bad('/input_channels', `input channels must be >= 1, got ${inputChannels}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) bad('/num_classes', `output classes must be >= 1, got ${numClasses}`);
  if (issues.length) {
    throw new ArchitectureError('ARCHITECTURE_INVALID', `invalid network architecture: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {}, { issues });
  }
  return {
    kind: kind!,
    dim: dim as 2 | 3,
    inputChannels,
    numClasses,
    features: [...k.features_per_stage],
    kernels: k.kernel_sizes.map((v) => [...v]),
    strides: k.strides.map((v) => [...v]),
    encoderDepth: [...encoderDepth!],
    decoderConvs: [...k.n_conv_per_stage_decoder],
    convBias: Boolean(k.conv_bias),
    normEps: k.norm_op_kwargs?.eps ?? TORCH_INSTANCE_NORM_DEFAULT_EPS,
    slope: k.nonlin_kwargs?.negative_slope ?? TORCH_LEAKY_RELU_DEFAULT_SLOPE,
  };
}
