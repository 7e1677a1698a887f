/**
 * A planner is data: nnU-Net's constants plus which network it sizes (spec §3.1, §3.12). The default
 * ExperimentPlanner and the residual-encoder presets differ only here; the steps are shared functions.
 */
export type PlannerName = 'default' | 'resenc-m' | 'resenc-l' | 'resenc-xl';

export interface PlannerConstants {
  /** class name written as experiment_planner_used */
  className: string;
  /** default plans_name */
  plansName: string;
  network: 'plain' | 'resenc';
  networkClassName: string;
  baseFeatures: number;
  maxFeatures2d: number;
  maxFeatures3d: number;
  /** per encoder stage: convs (plain) or residual blocks (resenc) */
  encoderDepth: readonly number[];
  /** convs per decoder stage */
  decoderConvs: readonly number[];
  minFeatureMapEdge: number;
  maxNumPool: number;
  anisoThreshold: number;
  anisoSpacingPercentile: number;
  vramReference3d: number;
  vramReference2d: number;
  vramReferenceGb: number;
  referenceBatchSize3d: number;
  referenceBatchSize2d: number;
  /** default GPU memory target when the user gives none */
  gpuMemoryGb: number;
  /**
   * ExperimentPlanner shrinks while est / ref_bs * 2 > ref (it enforces batch 2 against references measured at
   * other batch sizes); the ResEnc planners shrink while est > ref.
   */
  shrinkCorrectsForReferenceBatch: boolean;
  minBatchSize: number;
  maxDatasetCovered: number;
  lowresCreationThreshold: number;
  lowresSpacingIncreaseFactor: number;
  initialPatchEdge3d: number;
  initialPatchEdge2d: number;
  /** data identifiers of 2d/3d_fullres reuse nnUNetPlans data (ResEnc presets preprocess identically) */
  sharesDefaultData: boolean;
}

const PLAIN: PlannerConstants = {
  className: 'ExperimentPlanner',
  plansName: 'nnUNetPlans',
  network: 'plain',
  networkClassName: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
  baseFeatures: 32,
  maxFeatures2d: 512,
  maxFeatures3d: 320,
  encoderDepth: new Array(14).fill(2),
  decoderConvs: new Array(13).fill(2),
  minFeatureMapEdge: 4,
  maxNumPool: 999999,
  anisoThreshold: 3,
  anisoSpacingPercentile: 10,
  vramReference3d: 560e6,
  vramReference2d: 85e6,
  vramReferenceGb: 8,
  referenceBatchSize3d: 2,
  referenceBatchSize2d: 12,
  gpuMemoryGb: 8,
  shrinkCorrectsForReferenceBatch: true,
  minBatchSize: 2,
  maxDatasetCovered: 0.05,
  lowresCreationThreshold: 0.25,
  lowresSpacingIncreaseFactor: 1.03,
  initialPatchEdge3d: 256,
  initialPatchEdge2d: 2048,
  sharesDefaultData: false,
};

const RESENC: PlannerConstants = {
  ...PLAIN,
  network: 'resenc',
  networkClassName: 'dynamic_network_architectures.architectures.unet.ResidualEncoderUNet',
  encoderDepth: [1, 3, 4, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6],
  decoderConvs: new Array(12).fill(1),
  shrinkCorrectsForReferenceBatch: false,
  maxDatasetCovered: 1,
  sharesDefaultData: true,
};

export const PLANNERS: Readonly<Record<PlannerName, PlannerConstants>> = {
  default: PLAIN,
  'resenc-m': { ...RESENC, className: 'nnUNetPlannerResEncM', plansName: 'nnUNetResEncUNetMPlans',
    vramReference3d: 680e6, vramReference2d: 135e6, vramReferenceGb: 8, gpuMemoryGb: 8 },
  'resenc-l': { ...RESENC, className: 'nnUNetPlannerResEncL', plansName: 'nnUNetResEncUNetLPlans',
    vramReference3d: 2.1e9, vramReference2d: 380e6, vramReferenceGb: 24, gpuMemoryGb: 24 },
  'resenc-xl': { ...RESENC, className: 'nnUNetPlannerResEncXL', plansName: 'nnUNetResEncUNetXLPlans',
    vramReference3d: 3.6e9, vramReference2d: 560e6, vramReferenceGb: 40, gpuMemoryGb: 40 },
};
