// spec §5.5: one batch = batch_size cases drawn with replacement, patch sampling with foreground oversampling,
// then the per-sample training (or validation) transforms; a cascade stage's previous-stage seg rides along as seg
// channel 1 (same crop, pad -1) until step 13 turns it into image channels
import type { AugmentConfig } from './configure.js';
import { AugmentScratch, augmentSample, removeLabel } from './augment.js';
import { isForcedForeground, sampleBboxStart } from './bbox.js';
import { CaseCache, type CaseRef, type LoadedCase } from './case-store.js';
import { DATA_PAD_VALUE, SEG_PAD_VALUE } from './constants.js';
import { cropAndPad3d } from './crop.js';
import { DATA_CASE_INVALID, DataError } from './errors.js';
import { createRng } from './rng.js';
import { appendOneHot, augmentPreviousStage } from './transforms/cascade.js';

/** (B, C, ...patch) image (+ K one-hot previous-stage channels) and (B, Cs, ...patch) segmentation, -1 mapped to 0. */
export interface Batch {
  data: Float32Array;
  seg: Int16Array;
  dataShape: number[];
  segShape: number[];
  /** case id of every sample */
  keys: string[];
}

/** The serialisable part of the loader options: what a worker needs to build batches. */
export interface BatchSpec {
  cases: CaseRef[];
  patchSize: number[];
  /** sampling patch for training (configureAugmentation's initialPatchSize); defaults to patchSize */
  initialPatchSize?: number[];
  batchSize: number;
  oversampleForeground: number;
  augment: boolean;
  config: AugmentConfig;
  annotatedClasses?: number[];
  ignoreLabel?: number;
  /** per-process case cache budget in bytes */
  cacheBytes?: number;
  /**
   * Cascade stage: the labels the previous stage's segmentation (seg channel 1 of every case) becomes one-hot image
   * channels over (spec §5.6 step 13); the batch then has C + K image channels and one seg channel.
   */
  previousStageLabels?: number[];
}

const prod = (v: readonly number[]) => v.reduce((a, b) => a * b, 1);

/** Per-thread case cache; nnU-Net keeps nothing and relies on the OS page cache, so this only saves parsing. */
const DEFAULT_CACHE_BYTES = 256 * 2 ** 20;

/** Builds batches; a batch is a pure function of (seed, index), whichever thread builds it. */
export class BatchProducer {
  private readonly cache: CaseCache;
  private readonly scratch = new AugmentScratch();
  private pre = { img: new Float32Array(0), seg: new Int16Array(0) };
  /** cascade: the patch before the previous stage moves into the image */
  private post = { img: new Float32Array(0), seg: new Int16Array(0) };
  private readonly sampling: number[];
  private readonly final3d: number[];
  private readonly needToPad: number[];

  constructor(private readonly spec: BatchSpec) {
    this.cache = new CaseCache(spec.cacheBytes ?? DEFAULT_CACHE_BYTES);
    const sampling = spec.augment ? (spec.initialPatchSize ?? spec.patchSize) : spec.patchSize;
    // 2D configurations sample (1, px, py) boxes from the 3D arrays: one random slice along axis 0
    const as3 = (p: readonly number[]) => (p.length === 2 ? [1, ...p] : [...p]);
    this.sampling = as3(sampling);
    this.final3d = as3(spec.patchSize);
    this.needToPad = this.sampling.map((s, d) => s - this.final3d[d]);
  }

  async produce(seed: number, index: number): Promise<Batch> {
    const { spec } = this;
    const rng = createRng(seed, index);
    const ids = Array.from({ length: spec.batchSize }, () => spec.cases[rng.int(0, spec.cases.length - 1)]);
    const loaded: LoadedCase[] = [];
    for (const c of ids) loaded.push(await this.cache.get(c));
    const channels = loaded[0].dataShape[0];
    const segChannels = loaded[0].segShape[0];
    for (const c of loaded) {
      if (c.dataShape.length !== 4 || c.dataShape[0] !== channels || c.segShape[0] !== segChannels) {
        throw new DataError(DATA_CASE_INVALID, `case ${c.id} has shape [${c.dataShape.join(', ')}] / seg [${c.segShape.join(', ')}], other cases have ${channels} image and ${segChannels} seg channel(s) over 3 axes`, { item: c.id });
      }
    }
    const nPatch = prod(spec.patchSize);
    const nSampling = prod(this.sampling);
    const cascade = spec.previousStageLabels;
    if (cascade && segChannels !== 2) {
      throw new DataError(DATA_CASE_INVALID, `case ${loaded[0].id} has ${segChannels} seg channel(s); a cascade stage needs the target and the previous stage`, { item: loaded[0].id });
    }
    const outChannels = channels + (cascade?.length ?? 0);
    const outSegChannels = cascade ? 1 : segChannels;
    const data = new Float32Array(spec.batchSize * outChannels * nPatch);
    const seg = new Int16Array(spec.batchSize * outSegChannels * nPatch);
    if (this.pre.img.length < channels * nSampling) this.pre.img = new Float32Array(channels * nSampling);
    if (this.pre.seg.length < segChannels * nSampling) this.pre.seg = new Int16Array(segChannels * nSampling);
    if (cascade && this.post.img.length < channels * nPatch) this.post.img = new Float32Array(channels * nPatch);
    if (cascade && this.post.seg.length < segChannels * nPatch) this.post.seg = new Int16Array(segChannels * nPatch);
    for (let j = 0; j < spec.batchSize; j++) {
      const c = loaded[j];
      const forceFg = isForcedForeground(j, spec.batchSize, spec.oversampleForeground);
      const start = sampleBboxStart(c.dataShape.slice(1), this.sampling, this.needToPad, forceFg, c.locations, rng, {
        hasIgnore: spec.ignoreLabel !== undefined,
        onlyLabels: spec.annotatedClasses,
      });
      const outImg = data.subarray(j * outChannels * nPatch, (j + 1) * outChannels * nPatch);
      const outSeg = seg.subarray(j * outSegChannels * nPatch, (j + 1) * outSegChannels * nPatch);
      // steps 0-12 write here; for a cascade, step 13 then moves seg channel 1 into the image
      const img = cascade ? this.post.img.subarray(0, channels * nPatch) : outImg;
      const sg = cascade ? this.post.seg.subarray(0, segChannels * nPatch) : outSeg;
      if (!spec.augment) {
        cropAndPad3d(c.data, c.dataShape, start, this.sampling, DATA_PAD_VALUE, img);
        cropAndPad3d(c.seg, c.segShape, start, this.sampling, SEG_PAD_VALUE, sg);
        removeLabel(sg, -1, 0);
      } else {
        const preImg = this.pre.img.subarray(0, channels * nSampling);
        const preSeg = this.pre.seg.subarray(0, segChannels * nSampling);
        cropAndPad3d(c.data, c.dataShape, start, this.sampling, DATA_PAD_VALUE, preImg);
        cropAndPad3d(c.seg, c.segShape, start, this.sampling, SEG_PAD_VALUE, preSeg);
        const shape = spec.patchSize.length === 2 ? this.sampling.slice(1) : this.sampling;
        augmentSample({ img: preImg, seg: preSeg, channels, segChannels, shape }, spec.config, rng, img, sg, this.scratch);
      }
      if (cascade) {
        appendOneHot(img, channels, sg.subarray(nPatch, 2 * nPatch), cascade, outImg);
        outSeg.set(sg.subarray(0, nPatch));
        // validation batches get the one-hot channels only (nnU-Net's validation transforms)
        if (spec.augment) augmentPreviousStage({ img: outImg, first: channels, count: cascade.length, shape: spec.patchSize }, rng);
      }
    }
    return {
      data,
      seg,
      dataShape: [spec.batchSize, outChannels, ...spec.patchSize],
      segShape: [spec.batchSize, outSegChannels, ...spec.patchSize],
      keys: ids.map((c) => c.id),
    };
  }
}
