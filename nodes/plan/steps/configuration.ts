// spec §3.7: plan one configuration - initial patch, topology, the VRAM shrink loop, batch size.
import { roundHalfEven } from '../../../src/imaging/np.js';
import type { Architecture } from '../format.js';
import type { PlannerConstants } from '../planner.js';
import { poolAndConv, type Topology } from './topology.js';
import { estimateVram } from './vram.js';

export interface ConfigurationInput {
  /** target spacing, transposed (2 or 3 axes) */
  spacing: readonly number[];
  /** median shape after resampling, transposed (may be fractional) */
  medianShape: readonly number[];
  approxDatasetVoxels: number;
  /** number of keys in dataset.json labels (the VRAM proxy's segmentation head) */
  numLabelKeys: number;
  gpuMemoryGb: number;
}

export interface ConfigurationSizing {
  patchSize: number[];
  batchSize: number;
  topology: Topology;
  architecture: Architecture;
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

export function featuresPerStage(nStages: number, k: PlannerConstants, dim: number): number[] {
  const max = dim === 2 ? k.maxFeatures2d : k.maxFeatures3d;
  return Array.from({ length: nStages }, (_, i) => Math.min(max, k.baseFeatures * 2 ** i));
}

/** The fixed parts of nnU-Net's `architecture` block around a network's topology (also rebuilt for old-format plans). */
export interface ArchitectureShape {
  networkClassName: string;
  dim: number;
  kernelSizes: number[][];
  strides: number[][];
  features: number[];
  /** 'n_conv_per_stage' (PlainConvUNet) or 'n_blocks_per_stage' (ResidualEncoderUNet) */
  depthKey: 'n_conv_per_stage' | 'n_blocks_per_stage';
  encoderDepth: number[];
  decoderConvs: number[];
}

export function architectureBlock(a: ArchitectureShape): Architecture {
  return {
    network_class_name: a.networkClassName,
    arch_kwargs: {
      n_stages: a.strides.length,
      features_per_stage: a.features,
      conv_op: `torch.nn.modules.conv.Conv${a.dim}d`,
      kernel_sizes: a.kernelSizes,
      strides: a.strides,
      [a.depthKey]: a.encoderDepth,
      n_conv_per_stage_decoder: a.decoderConvs,
      conv_bias: true,
      norm_op: `torch.nn.modules.instancenorm.InstanceNorm${a.dim}d`,
      norm_op_kwargs: { eps: 1e-5, affine: true },
      dropout_op: null,
      dropout_op_kwargs: null,
      nonlin: 'torch.nn.LeakyReLU',
      nonlin_kwargs: { inplace: true },
    } as Architecture['arch_kwargs'],
    _kw_requires_import: ['conv_op', 'norm_op', 'dropout_op', 'nonlin'],
  };
}

export function architectureFor(t: Topology, k: PlannerConstants, dim: number): Architecture {
  const n = t.strides.length;
  return architectureBlock({
    networkClassName: k.networkClassName, dim, kernelSizes: t.kernelSizes, strides: t.strides, features: featuresPerStage(n, k, dim),
    depthKey: k.network === 'resenc' ? 'n_blocks_per_stage' : 'n_conv_per_stage',
    encoderDepth: k.encoderDepth.slice(0, n), decoderConvs: k.decoderConvs.slice(0, n - 1),
  });
}

/** Initial patch: the spacing's aspect ratio scaled to 256³ (3D) / 2048² (2D) voxels, clipped to the median. */
export function initialPatchSize(spacing: readonly number[], medianShape: readonly number[], k: PlannerConstants): number[] {
  const dim = spacing.length;
  const inv = spacing.map((s) => 1 / s);
  const edge = dim === 3 ? k.initialPatchEdge3d : k.initialPatchEdge2d;
  const scale = (edge ** dim / prod(inv)) ** (1 / dim);
  return inv.map((t, i) => Math.min(roundHalfEven(t * scale), medianShape[i]));
}

/** Last index of the maximum (np.argsort(...)[-1] on a short list sorts stably). */
function argmaxLast(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] >= xs[best]) best = i;
  return best;
}

export function planConfiguration(input: ConfigurationInput, k: PlannerConstants): ConfigurationSizing {
  const { spacing, medianShape } = input;
  const dim = spacing.length;
  const topo = (patch: readonly number[]) => poolAndConv(spacing, patch, k);
  const estimate = (t: Topology) => {
    const n = t.strides.length;
    return estimateVram({
      kind: k.network,
      features: featuresPerStage(n, k, dim),
      strides: t.strides,
      encoderDepth: k.encoderDepth.slice(0, n),
      decoderConvs: k.decoderConvs.slice(0, n - 1),
      numClasses: input.numLabelKeys,
    }, t.patchSize);
  };
  let t = topo(initialPatchSize(spacing, medianShape, k));
  let est = estimate(t);
  const reference = (dim === 2 ? k.vramReference2d : k.vramReference3d) * (input.gpuMemoryGb / k.vramReferenceGb);
  const refBs = dim === 2 ? k.referenceBatchSize2d : k.referenceBatchSize3d;
  const tooLarge = (e: number) => (k.shrinkCorrectsForReferenceBatch ? (e / refBs) * 2 > reference : e > reference);
  while (tooLarge(est)) {
    const patch = [...t.patchSize];
    const axis = argmaxLast(patch.map((p, i) => p / medianShape[i]));
    // subtract the divisor recomputed for the smaller patch, so no valid size in between is skipped
    const tmp = [...patch];
    tmp[axis] -= t.mustBeDivisibleBy[axis];
    patch[axis] -= topo(tmp).mustBeDivisibleBy[axis];
    t = topo(patch);
    est = estimate(t);
  }
  const bs = roundHalfEven((reference / est) * refBs);
  const cap = roundHalfEven((input.approxDatasetVoxels * k.maxDatasetCovered) / prod(t.patchSize));
  const batchSize = Math.max(Math.min(bs, cap), k.minBatchSize);
  return { patchSize: t.patchSize, batchSize, topology: t, architecture: architectureFor(t, k, dim) };
}
