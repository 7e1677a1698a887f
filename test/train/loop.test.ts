import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import '../../src/nn/ops/index.js';
import { runTraining, trainInWorker, type TrainConfig, type EpochLog } from '../../src/nn/train/index.js';
import { readCheckpoint } from '../../src/nn/checkpoint.js';
import { makeCases, tinyPlans, SYNTHETIC_DATASET_JSON } from './synthetic.js';

const quiet = { progress: () => {}, log: () => {}, aborted: () => false };
let root: string;
let cases: { id: string; dir: string }[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'train-loop-'));
  cases = await makeCases(join(root, 'data'), 6, [8, 16, 16]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function config(dim: 2 | 3, name: string, over: Partial<TrainConfig> = {}): TrainConfig {
  const patch = dim === 3 ? [8, 16, 16] : [16, 16];
  const plans = tinyPlans(dim, patch, 2);
  const configuration = dim === 3 ? '3d_fullres' : '2d';
  return {
    configuration, fold: 0, plans, configurationPlan: plans.configurations[configuration] as TrainConfig['configurationPlan'],
    datasetJson: SYNTHETIC_DATASET_JSON, trainCases: cases.slice(0, 4), valCases: cases.slice(4),
    epochs: 3, iterationsPerEpoch: 4, valIterations: 1, seed: 3, checkpointEvery: 1,
    scratchDir: join(root, name, 'scratch'), outDir: join(root, name, 'out'), initFrom: null, loaderWorkers: 0, ...over,
  };
}

const readLog = (dir: string): EpochLog[] => JSON.parse(readFileSync(join(dir, 'training_log.json'), 'utf8'));

describe('training loop (reference ops, tiny)', () => {
  it('3D: loss falls over a few epochs; outputs as nnU-Net lays them out', async () => {
    const cfg = config(3, 'three', { epochs: 3, iterationsPerEpoch: 4 });
    const res = await runTraining(cfg, quiet);
    const log = readLog(cfg.outDir);
    console.log('3D train loss per epoch', log.map((e) => e.train_loss.toFixed(3)).join(' '));
    expect(log.map((e) => e.epoch)).toEqual([0, 1, 2]);
    expect(log[2].train_loss).toBeLessThan(log[0].train_loss);
    expect(log[0].lr).toBe(0.01);
    expect(log[1].lr).toBeCloseTo(0.01 * (2 / 3) ** 0.9, 10);
    expect(res.pseudoDice).toHaveLength(2);
    for (const f of ['checkpoint_final/manifest.json', 'checkpoint_best/manifest.json', 'progress.svg', 'debug.json']) {
      expect(existsSync(join(cfg.outDir, f))).toBe(true);
    }
    expect(existsSync(join(cfg.scratchDir, 'checkpoint_latest'))).toBe(false);
  });

  it('a seeded rerun writes byte-identical outputs; epoch times come back in the result only', async () => {
    const first = config(3, 'seeded-a', { epochs: 2, iterationsPerEpoch: 2 });
    const second = config(3, 'seeded-b', { epochs: 2, iterationsPerEpoch: 2 });
    const res = await runTraining(first, quiet);
    await runTraining(second, quiet);
    const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
      .map((d) => relative(dir, join(d.parentPath, d.name))).sort();
    expect(files(second.outDir)).toEqual(files(first.outDir));
    for (const f of files(first.outDir)) expect(readFileSync(join(second.outDir, f)), f).toEqual(readFileSync(join(first.outDir, f)));
    expect(res.epochTimes).toEqual([expect.any(Number), expect.any(Number)]);
    expect(JSON.stringify(readLog(first.outDir))).not.toContain('epoch_time_s');
  });

  it('2D: loss falls', async () => {
    const cfg = config(2, 'two', { epochs: 3, iterationsPerEpoch: 6 });
    await runTraining(cfg, quiet);
    const log = readLog(cfg.outDir);
    console.log('2D train loss per epoch', log.map((e) => e.train_loss.toFixed(3)).join(' '));
    expect(log[2].train_loss).toBeLessThan(log[0].train_loss);
  });

  it('an aborted run resumes at the iteration it stopped and ends with the bytes of an uninterrupted run', async () => {
    const full = config(3, 'full', { epochs: 3, iterationsPerEpoch: 2 });
    await runTraining(full, quiet);

    // stop in the middle of epoch 1 (after 3 of 6 iterations): latest checkpoint written on abort
    const cut = config(3, 'cut', { epochs: 3, iterationsPerEpoch: 2 });
    let steps = 0;
    await expect(runTraining(cut, { ...quiet, progress: () => { steps++; }, aborted: () => steps >= 3 })).rejects.toMatchObject({ code: 'ABORTED' });
    const latest = await readCheckpoint(join(cut.scratchDir, 'checkpoint_latest'));
    expect(latest.manifest.currentEpoch).toBe(1);
    expect(latest.manifest.interrupted?.iteration).toBe(1);
    expect(latest.optimizer).not.toBeNull();
    const resumedLogs: string[] = [];
    const resumed = await runTraining(cut, { ...quiet, log: (m) => resumedLogs.push(m) });
    expect(resumedLogs[0]).toMatch(/resuming from .*checkpoint_latest at epoch 1, iteration 1/);
    // the times of the epochs before the cut survive the resume (kept in the scratch folder)
    expect(resumed.epochTimes).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    expect(readLog(cut.outDir)).toEqual(readLog(full.outDir));
    // same weights, momentum and batches from the cut on: the final checkpoint is the same bytes
    for (const f of ['weights.bin', 'optimizer.bin', 'manifest.json']) {
      expect(readFileSync(join(cut.outDir, 'checkpoint_final', f)).equals(readFileSync(join(full.outDir, 'checkpoint_final', f))), f).toBe(true);
    }
  });

  it('a run that died between the last epoch\'s best checkpoint and the final one finishes from the best (the same bytes); dead temp copies go', async () => {
    const full = config(3, 'full-last', { epochs: 2, iterationsPerEpoch: 2 });
    await runTraining(full, quiet);
    const died = config(3, 'died-last', { epochs: 2, iterationsPerEpoch: 2 });
    // what the disk holds when the final save failed: the last epoch's best (its state is the final state) and a half-written final
    cpSync(full.scratchDir, died.scratchDir, { recursive: true });
    rmSync(join(died.scratchDir, 'checkpoint_best'), { recursive: true });
    renameSync(join(died.scratchDir, 'checkpoint_final'), join(died.scratchDir, 'checkpoint_best'));
    mkdirSync(join(died.scratchDir, 'checkpoint_final.tmp-999999'));
    writeFileSync(join(died.scratchDir, 'checkpoint_final.tmp-999999', 'weights.bin'), 'partial');
    const logs: string[] = [];
    await runTraining(died, { ...quiet, log: (m) => logs.push(m) });
    expect(logs[0]).toMatch(/resuming from .*checkpoint_best at epoch 2/);
    for (const f of ['weights.bin', 'optimizer.bin', 'manifest.json']) {
      expect(readFileSync(join(died.outDir, 'checkpoint_final', f)).equals(readFileSync(join(full.outDir, 'checkpoint_final', f))), f).toBe(true);
    }
    expect(readdirSync(died.scratchDir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('in a worker thread, an abort stops training at the next iteration, not at the end of the epoch', async () => {
    const cfg = config(2, 'worker-abort', { epochs: 2, iterationsPerEpoch: 80 });
    const ctl = new AbortController();
    let seen = 0;
    await expect(trainInWorker(cfg, { progress: () => { if (++seen === 2) ctl.abort(); }, log: () => {}, signal: ctl.signal }))
      .rejects.toMatchObject({ code: 'ABORTED' });
    const latest = await readCheckpoint(join(cfg.scratchDir, 'checkpoint_latest'));
    expect(latest.manifest.currentEpoch).toBe(0);
    expect(latest.manifest.interrupted?.iteration).toBeLessThan(20);
  }, 120_000);

  it('prefetch (the next batch made during the step) gives the same losses, and an aborted prefetching run resumes to the same bytes', async () => {
    // 'full' is the uninterrupted run of the test above, without prefetch (the default off webgpu)
    const full = config(3, 'full', { epochs: 3, iterationsPerEpoch: 2 });
    const cut = config(3, 'prefetch-cut', { epochs: 3, iterationsPerEpoch: 2, prefetch: true });
    const losses: number[] = [];
    let steps = 0;
    // stopped at the top of epoch 1's second iteration, while that iteration's batch is already taken ahead
    await expect(runTraining(cut, { ...quiet, progress: (p) => { steps++; losses.push(p.metrics.loss); }, aborted: () => steps >= 3 }))
      .rejects.toMatchObject({ code: 'ABORTED' });
    expect((await readCheckpoint(join(cut.scratchDir, 'checkpoint_latest'))).manifest.interrupted?.iteration).toBe(1);
    await runTraining(cut, { ...quiet, progress: (p) => { losses.push(p.metrics.loss); } });
    expect(losses).toHaveLength(6);
    const log = readLog(cut.outDir);
    expect(log).toEqual(readLog(full.outDir));
    expect(losses[0] + losses[1]).toBe(log[0].train_loss * 2);
    for (const f of ['weights.bin', 'optimizer.bin']) {
      expect(readFileSync(join(cut.outDir, 'checkpoint_final', f)).equals(readFileSync(join(full.outDir, 'checkpoint_final', f))), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(cut.outDir, 'debug.json'), 'utf8')).prefetch).toBe(true);
    expect(JSON.parse(readFileSync(join(full.outDir, 'debug.json'), 'utf8')).prefetch).toBe(false);
  });

  it('init_from copies every weight except the segmentation heads', async () => {
    const src = config(3, 'full', { epochs: 3, iterationsPerEpoch: 1 });
    const cfg = config(3, 'init', { epochs: 1, iterationsPerEpoch: 1, valIterations: 0, initFrom: join(src.outDir, 'checkpoint_final'), seed: 11 });
    const logs: string[] = [];
    await runTraining(cfg, { ...quiet, log: (m) => logs.push(m) });
    expect(logs.some((l) => l.startsWith('initialised from'))).toBe(true);
  });
});
