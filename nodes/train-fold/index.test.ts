import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext, Progress } from '../../src/engine/index.js';
import { readCheckpoint } from '../../src/nn/checkpoint.js';
import { makePreprocessedFolder } from '../../test/train/synthetic.js';
import type { Plans } from '../plan/format.js';
import { trainFold } from './index.js';
import { foldCases, fromFolder } from './inputs.js';
import type { TrainFoldParams } from './params.js';

let root: string;
let pre: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'train-fold-'));
  pre = await makePreprocessedFolder(join(root, 'preprocessed'), 5, 2);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const params = (over: Partial<TrainFoldParams> = {}): TrainFoldParams => ({
  configuration: '3d_fullres', fold: 0, epochs: 1, iterations_per_epoch: 2, val_iterations: 1, seed: 5, init_from: null,
  checkpoint_every: 50, batch_size: null, patch_size: null, preprocessed: pre, loader_workers: 0, ...over,
});

function context(name: string, p: TrainFoldParams, signal = new AbortController().signal, onProgress = () => {}) {
  const progress: Progress[] = [];
  const logs: string[] = [];
  const ctx = {
    params: p, inputs: {}, input: () => { throw new Error('no inputs'); }, matrix: {}, outDir: join(root, name, 'out'),
    scratchDir: join(root, name, 'scratch'), external: {}, signal, progress: (x: Progress) => { progress.push(x); onProgress(); }, log: (m: string) => logs.push(m),
    actionId: `train[${name}]`,
  } as unknown as ActionContext<TrainFoldParams>;
  mkdirSync(ctx.outDir, { recursive: true });
  return { ctx, progress, logs };
}

describe('train-fold node', () => {
  it('reads an nnU-Net preprocessed folder and its KFold split; fold all uses every case', async () => {
    const data = await fromFolder(pre, '3d_fullres');
    expect(data.cases.map((c) => c.id)).toEqual(['case_000', 'case_001', 'case_002', 'case_003', 'case_004']);
    const f0 = foldCases(data, 0);
    expect(f0.val).toHaveLength(1);
    expect(f0.train).toHaveLength(4);
    expect(foldCases(data, 'all').val).toHaveLength(5);
    expect(() => foldCases({ ...data, cases: data.cases.slice(1) }, 'all')).not.toThrow();
    expect(() => foldCases({ ...data, cases: data.cases.slice(1) }, 0)).toThrow(/no preprocessed data/);
    // too few cases for a 5-fold split and no splits file: fold 'all' still trains, a numbered fold says why not
    expect(() => foldCases({ ...data, splits: null }, 0)).toThrow(expect.objectContaining({ code: 'TRAIN_TOO_FEW_CASES' }));
    expect(foldCases({ ...data, splits: null }, 'all').train).toHaveLength(5);
  });

  it('trains in a worker thread and writes the nnU-Net fold outputs and metrics', async () => {
    const { ctx, progress, logs } = context('run', params());
    const res = await trainFold.run(ctx);
    for (const f of ['checkpoint_final/manifest.json', 'checkpoint_final/weights.bin', 'checkpoint_best/manifest.json', 'training_log.json', 'progress.svg', 'debug.json']) {
      expect(existsSync(join(ctx.outDir, f)), f).toBe(true);
    }
    expect(progress.at(-1)).toMatchObject({ done: 2, total: 2, message: 'epoch 1/1' });
    expect(logs.some((l) => l.startsWith('backend: '))).toBe(true);
    expect(res).toMatchObject({ metrics: { epochs: 1, seed: 5 } });
    const log = JSON.parse(readFileSync(join(ctx.outDir, 'training_log.json'), 'utf8'));
    expect(Object.keys(log[0])).toEqual(['epoch', 'train_loss', 'val_loss', 'pseudo_dice', 'mean_fg_dice', 'ema_fg_dice', 'lr']);
    // the epoch's wall time goes to the action record, never into the (cached, compared) output
    expect(res?.timings?.epoch_time_s).toEqual([expect.any(Number)]);
    expect(readFileSync(join(ctx.outDir, 'progress.svg'), 'utf8')).not.toContain('Epoch duration');
  });

  it('stops on abort with ABORTED and keeps checkpoint_latest in the scratch folder', async () => {
    const ac = new AbortController();
    const { ctx, progress } = context('abort', params({ epochs: 2, iterations_per_epoch: 50 }), ac.signal, () => ac.abort());
    await expect(trainFold.run(ctx)).rejects.toMatchObject({ code: 'ABORTED' });
    expect(progress.length).toBeLessThan(50);
    expect(existsSync(join(ctx.scratchDir, 'checkpoint_latest', 'manifest.json'))).toBe(true);
  });

  it('rejects a bad init_from with a clear error', async () => {
    const { ctx } = context('bad', params({ init_from: join(root, 'nowhere') }));
    await expect(trainFold.run(ctx)).rejects.toMatchObject({ code: 'TRAIN_INIT_FROM_INVALID' });
  });
});

describe('train-fold of a cascade stage (spec §7)', () => {
  let cascadePre: string;
  let lowres: string;
  beforeAll(async () => {
    cascadePre = await makePreprocessedFolder(join(root, 'cascade-pre'), 5, 3);
    const plans = JSON.parse(readFileSync(join(cascadePre, 'nnUNetPlans.json'), 'utf8')) as Plans;
    plans.configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
    writeFileSync(join(cascadePre, 'nnUNetPlans.json'), JSON.stringify(plans));
    // a "previous stage" that segmented every case perfectly, in the layout its validation writes
    lowres = join(root, 'lowres-validate');
    mkdirSync(join(lowres, 'predicted_next_stage', '3d_cascade_fullres'), { recursive: true });
    for (let i = 0; i < 5; i++) {
      const id = `case_00${i}`;
      copyFileSync(join(cascadePre, 'nnUNetPlans_3d_fullres', `${id}_seg.npy`), join(lowres, 'predicted_next_stage', '3d_cascade_fullres', `${id}.npy`));
    }
  });

  it('names every case without a previous-stage segmentation', async () => {
    const { ctx } = context('cascade-missing', params({ configuration: '3d_cascade_fullres', preprocessed: cascadePre }));
    await expect(trainFold.run(ctx)).rejects.toMatchObject({
      code: 'TRAIN_PREVIOUS_STAGE_MISSING', context: { node: 'train[cascade-missing]' }, issues: expect.arrayContaining([expect.objectContaining({ item: 'case_000' })]),
    });
  });

  it('trains on C + K input channels with the previous stage as input', async () => {
    const { ctx } = context('cascade', params({ configuration: '3d_cascade_fullres', preprocessed: cascadePre }));
    (ctx as { inputs: unknown }).inputs = { previous_stage: [{ dir: lowres }] };
    await trainFold.run(ctx);
    const ck = await readCheckpoint(join(ctx.outDir, 'checkpoint_final'));
    expect(ck.manifest.inputChannels).toBe(3);
    expect(ck.manifest.configurationPlan.previous_stage).toBe('3d_lowres');
  });
});
