// The seeded phantom training the WebGPU end-to-end tests share (webgpu-train: f32 against oneDNN; webgpu-amp: mixed
// precision): six 8x16x16 synthetic cases, a tiny 3D plan, 3 training and 2 validation iterations per epoch, and the
// validation case's logits through the async sliding window.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readNpy } from '../../src/imaging/io/npy.js';
import { loadNetwork } from '../../src/nn/checkpoint.js';
import { predictSlidingWindowAsync } from '../../src/nn/predict/sliding-window.js';
import type { EpochLog, TrainConfig } from '../../src/nn/train/index.js';
import { makeCases, tinyPlans, SYNTHETIC_DATASET_JSON } from '../train/synthetic.js';

export const SHAPE: [number, number, number] = [8, 16, 16];
export const ITERATIONS = 3;

export type PhantomCase = { id: string; dir: string };

export const makePhantomCases = (dir: string): Promise<PhantomCase[]> => makeCases(dir, 6, SHAPE);

/** The run `name` under `root`: 4 training cases, 2 validation cases, seed 5, a checkpoint every epoch. */
export function phantomConfig(root: string, cases: PhantomCase[], name: string, epochs: number, over: Partial<TrainConfig> = {}): TrainConfig {
  const plans = tinyPlans(3, SHAPE, 2);
  return {
    configuration: '3d_fullres', fold: 0, plans, configurationPlan: plans.configurations['3d_fullres'] as TrainConfig['configurationPlan'],
    datasetJson: SYNTHETIC_DATASET_JSON, trainCases: cases.slice(0, 4), valCases: cases.slice(4),
    epochs, iterationsPerEpoch: ITERATIONS, valIterations: 2, seed: 5, checkpointEvery: 1,
    scratchDir: join(root, name, 'scratch'), outDir: join(root, name, 'out'), initFrom: null, loaderWorkers: 0, ...over,
  };
}

export const readLog = (dir: string): EpochLog[] => JSON.parse(readFileSync(join(dir, 'training_log.json'), 'utf8'));

/** The first validation case's logits from `checkpoint` through the async sliding window on the active backend. */
export async function predictCase(checkpoint: string, cases: PhantomCase[]): Promise<Float32Array> {
  const { net } = await loadNetwork(checkpoint);
  try {
    const img = await readNpy(join(cases[4].dir, `${cases[4].id}.npy`));
    return await predictSlidingWindowAsync({ data: Float32Array.from(img.data as ArrayLike<number>), channels: 1, shape: SHAPE },
      (x) => net.apply(x), { patchSize: SHAPE, numClasses: 3, mirrorAxes: [0, 1, 2] });
  } finally {
    net.dispose();
  }
}

/** The largest absolute difference between two arrays of the same length. */
export const worst = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

/**
 * The band of the issue: every epoch's losses within 0.02 of `want`'s and every pseudo Dice within 0.05 (null, no
 * foreground seen nor predicted, where `want`'s is null).
 */
export function expectInBand(got: EpochLog[], want: EpochLog[]): void {
  got.forEach((e, i) => {
    expect(Math.abs(e.train_loss - want[i].train_loss), `epoch ${i} train loss`).toBeLessThan(0.02);
    expect(Math.abs(e.val_loss - want[i].val_loss), `epoch ${i} val loss`).toBeLessThan(0.02);
    e.pseudo_dice.forEach((d, k) => expect(d === null ? null : Math.abs(d - want[i].pseudo_dice[k]!) < 0.05, `epoch ${i} dice ${k}`)
      .toBe(want[i].pseudo_dice[k] === null ? null : true));
  });
}
