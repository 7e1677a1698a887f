/**
 * Training-time augmentation constants of nnU-Net v2 (nnUNetTrainer.get_training_transforms with
 * batchgeneratorsv2), mirrored from the spec's `nnunet-defaults.json` "augmentation" block; a test checks
 * them against that file. Angles are in degrees here and converted where used.
 */
export const AUG = {
  initialPatchScaleDivisor: 0.85,
  initialPatchMaxRotationDeg: 90,
  dummy2dAnisoRatio: 3,
  rotation3dDeg: 30,
  rotationDummy2dDeg: 180,
  rotation2dDeg: 180,
  rotation2dElongatedDeg: 15,
  rotation2dElongationRatio: 1.5,
  pRotation: 0.2,
  pScaling: 0.2,
  scalingMin: 0.7,
  scalingMax: 1.4,
  pSynchronizeScalingAxes: 1,
  pElastic: 0,
  segInterpScale: 1000,
  pNoise: 0.1,
  noiseSigmaMin: 0,
  noiseSigmaMax: 0.1,
  pBlur: 0.2,
  blurPPerChannel: 0.5,
  blurSigmaMin: 0.5,
  blurSigmaMax: 1.0,
  blurTruncate: 6,
  pBrightness: 0.15,
  brightnessMin: 0.75,
  brightnessMax: 1.25,
  pContrast: 0.15,
  contrastMin: 0.75,
  contrastMax: 1.25,
  bgcontrastPLowerHalf: 0.5,
  pLowres: 0.25,
  lowresPPerChannel: 0.5,
  lowresZoomMin: 0.5,
  lowresZoomMax: 1.0,
  pGammaInverted: 0.1,
  pGamma: 0.3,
  gammaMin: 0.7,
  gammaMax: 1.5,
  gammaEps: 1e-7,
  pMirrorPerAxis: 0.5,
  // step 13, cascade only: corruptions of the previous stage's one-hot channels. p_per_label is 1 as nnU-Net's
  // get_training_transforms passes it (the spec's 0.5 is the transform class's own default; README deviations)
  cascadePBinaryOp: 0.4,
  cascadeBinaryOpPPerLabel: 1,
  cascadeStrelMin: 1,
  cascadeStrelMax: 8,
  cascadePRemoveCc: 0.2,
  cascadeRemoveCcPPerLabel: 1,
  cascadeRemoveCcMaxFraction: 0.15,
  cascadeRemoveCcFillOtherP: 0,
} as const;

/** Padding values of the patch crop (spec §5.5). */
export const DATA_PAD_VALUE = 0;
export const SEG_PAD_VALUE = -1;
