// spec §5.6 (rotation ranges, dummy-2D rule, mirror axes) and §5.7 (initial patch size)
import { AUG } from './constants.js';

/** Everything the sampler and the augmentation pipeline need to know about one configuration. */
export interface AugmentConfig {
  /** final (network) patch size, 2 or 3 spatial axes */
  patchSize: number[];
  /** rotation angle range in radians, sampled independently per rotation axis */
  rotation: [number, number];
  /** 3D patch with max(patch) / patch[0] > 3: axis 0 is folded into channels for the spatial transform */
  dummy2d: boolean;
  /** spatial axes mirrored with p = 0.5 each */
  mirrorAxes: number[];
  /** per image channel: zero the channel outside the nonzero mask (seg < 0) after augmentation (plan's use_mask_for_norm) */
  useMaskForNorm: boolean[];
}

const DEG = Math.PI / 180;

/** nnUNetTrainer.configure_rotation_dummyDA_mirroring_and_inital_patch_size, from the plan's patch size. */
export function configureAugmentation(
  patchSize: readonly number[],
  extras: { useMaskForNorm?: boolean[] } = {},
): AugmentConfig & { initialPatchSize: number[] } {
  const dim = patchSize.length;
  if (dim !== 2 && dim !== 3) throw new RangeError(`patch size must have 2 or 3 axes, got [${patchSize.join(', ')}]`);
  let deg: number;
  let dummy2d = false;
  if (dim === 2) {
    const elongated = Math.max(...patchSize) / Math.min(...patchSize) > AUG.rotation2dElongationRatio;
    deg = elongated ? AUG.rotation2dElongatedDeg : AUG.rotation2dDeg;
  } else {
    dummy2d = Math.max(...patchSize) / patchSize[0] > AUG.dummy2dAnisoRatio;
    deg = dummy2d ? AUG.rotationDummy2dDeg : AUG.rotation3dDeg;
  }
  const rotation: [number, number] = [(-deg / 360) * 2 * Math.PI, (deg / 360) * 2 * Math.PI];
  const initialPatchSize = initialPatch(patchSize, Math.max(Math.abs(rotation[0]), Math.abs(rotation[1])));
  if (dummy2d) initialPatchSize[0] = patchSize[0];
  return {
    patchSize: [...patchSize],
    rotation,
    dummy2d,
    mirrorAxes: dim === 2 ? [0, 1] : [0, 1, 2],
    useMaskForNorm: extras.useMaskForNorm ?? [],
    initialPatchSize,
  };
}

/**
 * batchgenerators' get_patch_size: the box that still covers the final patch after rotating it by the largest
 * angle about each axis in turn, divided by the smallest scale of the legacy range (0.85, 1.25), truncated.
 */
export function initialPatch(patch: readonly number[], maxAngle: number): number[] {
  const r = Math.min(AUG.initialPatchMaxRotationDeg * DEG, maxAngle);
  const out = patch.map(Number);
  const take = (m: number[][]): void => {
    for (let j = 0; j < patch.length; j++) {
      let v = 0;
      for (let i = 0; i < patch.length; i++) v += patch[i] * m[i][j];
      out[j] = Math.max(out[j], Math.abs(v));
    }
  };
  const c = Math.cos(r);
  const s = Math.sin(r);
  if (patch.length === 3) {
    take([[1, 0, 0], [0, c, -s], [0, s, c]]);
    take([[c, 0, s], [0, 1, 0], [-s, 0, c]]);
    take([[c, -s, 0], [s, c, 0], [0, 0, 1]]);
  } else {
    take([[c, -s], [s, c]]);
  }
  return out.map((v) => Math.trunc(v / AUG.initialPatchScaleDivisor));
}
