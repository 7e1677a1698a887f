// spec §5.6: nnU-Net's training pipeline for one sample, steps 0-12, in order
import type { AugmentConfig } from './configure.js';
import { AUG } from './constants.js';
import type { Rng } from './rng.js';
import { roundHalfEven } from '../../imaging/np.js';
import { blurAxis, gaussianKernel } from './transforms/blur.js';
import { contrastChannel, gammaChannel, gaussianNoise, multiplyChannel, sampleBgContrast } from './transforms/intensity.js';
import { flipAxis } from './transforms/mirror.js';
import { simulateLowResolution } from './transforms/resize.js';
import { sampleSpatialAffine, SpatialScratch, spatialTransform } from './transforms/spatial.js';

/** Per-worker buffers reused for every sample of the same patch size. */
export class AugmentScratch {
  readonly spatial = new SpatialScratch();
  lowA = new Float32Array(0);
  lowB = new Float32Array(0);
  line = new Float64Array(0);

  ensure(voxels: number, longestAxis: number): void {
    if (this.lowA.length < voxels) {
      this.lowA = new Float32Array(voxels);
      this.lowB = new Float32Array(voxels);
    }
    if (this.line.length < longestAxis + 16) this.line = new Float64Array(longestAxis + 16);
  }
}

export interface SampleBuffers {
  /** (C, ...sampling patch) */
  img: Float32Array;
  /** (Cs, ...sampling patch) */
  seg: Int16Array;
  channels: number;
  segChannels: number;
  /** spatial shape of img/seg (2 or 3 axes) */
  shape: readonly number[];
}

/** Augments one sample into `outImg` (C, ...patch) and `outSeg` (Cs, ...patch). */
export function augmentSample(
  input: SampleBuffers,
  config: AugmentConfig,
  rng: Rng,
  outImg: Float32Array,
  outSeg: Int16Array,
  scratch: AugmentScratch,
): void {
  const patch = config.patchSize;
  const { channels, segChannels } = input;
  spatialStep(input, config, rng, outImg, outSeg, scratch.spatial);
  const n = patch.reduce((a, b) => a * b, 1);
  scratch.ensure(n, Math.max(...patch));
  const perChannel = (p: number) => Array.from({ length: channels }, () => rng.random() < p);

  if (rng.random() < AUG.pNoise) {
    perChannel(1);
    gaussianNoise(outImg, channels, rng.uniform(AUG.noiseSigmaMin, AUG.noiseSigmaMax), rng);
  }
  if (rng.random() < AUG.pBlur) {
    const apply = perChannel(AUG.blurPPerChannel);
    const sigmas = apply.filter(Boolean).map(() => patch.map(() => rng.uniform(AUG.blurSigmaMin, AUG.blurSigmaMax)));
    let j = 0;
    apply.forEach((on, c) => {
      if (!on) return;
      const s = sigmas[j++];
      for (let d = 0; d < patch.length; d++) blurAxis(outImg, c * n, patch, d, gaussianKernel(s[d]), scratch.line);
    });
  }
  if (rng.random() < AUG.pBrightness) {
    perChannel(1);
    for (let c = 0; c < channels; c++) multiplyChannel(outImg, c, channels, sampleBgContrast(AUG.brightnessMin, AUG.brightnessMax, rng));
  }
  if (rng.random() < AUG.pContrast) {
    perChannel(1);
    for (let c = 0; c < channels; c++) contrastChannel(outImg, c, channels, sampleBgContrast(AUG.contrastMin, AUG.contrastMax, rng));
  }
  if (rng.random() < AUG.pLowres) {
    const apply = perChannel(AUG.lowresPPerChannel);
    const zooms = apply.filter(Boolean).map(() => rng.uniform(AUG.lowresZoomMin, AUG.lowresZoomMax));
    let j = 0;
    apply.forEach((on, c) => {
      if (!on) return;
      const z = zooms[j++];
      const small = patch.map((s, d) => (config.dummy2d && d === 0 ? s : Math.max(1, roundHalfEven(s * z))));
      simulateLowResolution(outImg.subarray(c * n, (c + 1) * n), patch, small, scratch.lowA, scratch.lowB);
    });
  }
  for (const [p, invert] of [[AUG.pGammaInverted, true], [AUG.pGamma, false]] as const) {
    if (rng.random() >= p) continue;
    perChannel(1);
    perChannel(1); // retain_stats draws (p_retain_stats = 1)
    perChannel(invert ? 1 : 0); // invert draws
    for (let c = 0; c < channels; c++) gammaChannel(outImg, c, channels, sampleBgContrast(AUG.gammaMin, AUG.gammaMax, rng), invert);
  }
  for (const axis of config.mirrorAxes) {
    if (rng.random() < AUG.pMirrorPerAxis) {
      flipAxis(outImg, channels, patch, axis);
      flipAxis(outSeg, segChannels, patch, axis);
    }
  }
  maskOutside(outImg, outSeg, channels, config.useMaskForNorm);
  removeLabel(outSeg, -1, 0);
}

/**
 * Steps 0-2: the spatial transform, in 2D per slice for dummy-2D configurations. Folding axis 0 into the
 * channels leaves the memory layout unchanged, so only the shape changes.
 */
export function spatialStep(input: SampleBuffers, config: AugmentConfig, rng: Rng, outImg: Float32Array, outSeg: Int16Array, scratch: SpatialScratch): void {
  if (config.dummy2d) {
    const slices = input.shape[0];
    const folded = { img: input.img, seg: input.seg, channels: input.channels * slices, segChannels: input.segChannels * slices, shape: input.shape.slice(1) };
    spatialTransform(folded, config.patchSize.slice(1), sampleSpatialAffine(2, config.rotation, rng), outImg, outSeg, scratch);
  } else {
    spatialTransform(input, config.patchSize, sampleSpatialAffine(config.patchSize.length, config.rotation, rng), outImg, outSeg, scratch);
  }
}

/** MaskImageTransform: channels normalised inside the nonzero mask are zeroed where seg channel 0 < 0. */
export function maskOutside(img: Float32Array, seg: Int16Array, channels: number, useMask: readonly boolean[]): void {
  const n = img.length / channels;
  for (let c = 0; c < channels; c++) {
    if (!useMask[c]) continue;
    for (let i = 0; i < n; i++) if (seg[i] < 0) img[c * n + i] = 0;
  }
}

/** RemoveLabelTansform(-1, 0): the outside-mask marker becomes background for the loss. */
export function removeLabel(seg: Int16Array, label: number, to: number): void {
  for (let i = 0; i < seg.length; i++) if (seg[i] === label) seg[i] = to;
}
