import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { trainCommand, trainPipeline } from '../../src/cli/commands/train.js';
import { planPipeline } from '../../src/cli/commands/plan.js';
import { preprocessPipeline } from '../../src/cli/commands/preprocess.js';
import { buildPlan } from '../../src/engine/index.js';
import { kinds } from '../../nodes/index.js';
import { makePreprocessedFolder } from './synthetic.js';
import { predictCommand } from '../../src/cli/commands/predict.js';
import { writeTinyImage } from '../predict/tiny-model.js';

let root: string;
let pre: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'train-cli-'));
  pre = await makePreprocessedFolder(join(root, 'preprocessed'), 5, 4);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('nnunet train', () => {
  it('a raw dataset folder gets the whole chain, validation included', () => {
    const raw = join(root, 'raw');
    mkdirSync(raw, { recursive: true });
    writeFileSync(join(raw, 'dataset.json'), '{}');
    const p = parse(trainPipeline(raw, '2d', 1, { epochs: 3 }));
    expect(Object.keys(p.nodes)).toEqual(['dataset', 'case_fingerprint', 'fingerprint', 'plan', 'split', 'preprocess', 'train', 'validate']);
    expect(p.nodes.train.with).toEqual({ configuration: '2d', fold: 1, epochs: 3 });
    expect(parse(trainPipeline(raw, '2d', 'all', {})).nodes.validate).toBeUndefined();
  });

  it('every pipeline the CLI builds loads with the product kinds (their declared inputs included)', async () => {
    const raw = join(root, 'raw-load');
    mkdirSync(raw, { recursive: true });
    const texts = [trainPipeline(raw, '3d_fullres', 0, {}), trainPipeline(pre, '3d_fullres', 0, {}), planPipeline(raw, { out: root, planner: 'default' }),
      preprocessPipeline(raw, ['3d_fullres'], { out: root, planner: 'default' }),
      preprocessPipeline(raw, ['3d_fullres'], { out: root, planner: 'default', plans: join(root, 'nnUNetPlans.json') })];
    for (const pipelineText of texts) await expect(buildPlan({ pipelineText, kinds }), pipelineText).resolves.toBeDefined();
  });

  it('trains from a preprocessed folder through the engine, copies the fold folder, and reuses the cached result', async () => {
    const dirs = { storeDir: join(root, 'store'), runsDir: join(root, 'runs') };
    const out = join(root, 'fold_0');
    const opts = { epochs: 1, iterations: 2, valIterations: 1, seed: 1, out, quiet: true, batchSize: 2 };
    const first = await trainCommand(pre, '3d_fullres', '0', opts, dirs);
    expect(first.status).toBe('succeeded');
    for (const f of ['checkpoint_final/manifest.json', 'checkpoint_best/manifest.json', 'training_log.json', 'progress.svg', 'debug.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const log = JSON.parse(readFileSync(join(out, 'training_log.json'), 'utf8'));
    expect(log).toHaveLength(1);
    // the epoch time lives in the action record, and comes back into the fold folder nnU-Net users read
    expect(log[0].epoch_time_s).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'progress.svg'), 'utf8')).toContain('Epoch duration (s)');
    const second = await trainCommand(pre, '3d_fullres', '0', opts, dirs);
    expect(second.status).toBe('succeeded');
    expect(second.summary?.cached).toBe(1);
    expect(JSON.parse(readFileSync(join(out, 'training_log.json'), 'utf8'))[0].epoch_time_s).toBe(log[0].epoch_time_s);
    // --out <model>/fold_0 makes <model> a model folder, as nnU-Net's trainer does: predict -m takes it as it is
    const model = join(root, 'model');
    writeFileSync(join(pre, 'dataset_fingerprint.json'), '{"spacings": []}');
    expect((await trainCommand(pre, '3d_fullres', '0', { ...opts, out: join(model, 'fold_0') }, dirs)).status).toBe('succeeded');
    for (const f of ['plans.json', 'dataset.json', 'dataset_fingerprint.json']) expect(existsSync(join(model, f)), f).toBe(true);
    expect(readFileSync(join(model, 'dataset.json'), 'utf8').endsWith('}')).toBe(true);
    const images = join(root, 'images');
    mkdirSync(images);
    await writeTinyImage(join(images, 'x_0000.nii.gz'), 1);
    const lines: string[] = [];
    expect(await predictCommand({ input: [images], output: join(root, 'predicted'), model, tta: false, stepSize: 0.5, postprocessing: true, numParts: 1, partId: 0 },
      (l) => lines.push(l))).toBe(0);
    expect(lines.some((l) => l.includes('configuration 3d_fullres, folds 0'))).toBe(true);
    expect(existsSync(join(root, 'predicted', 'x.nii.gz'))).toBe(true);
  });

  it('trains a cascade stage from the previous stage\'s fold folders given with --previous-stage', async () => {
    const cascade = await makePreprocessedFolder(join(root, 'cascade-pre'), 5, 3);
    const plansFile = join(cascade, 'nnUNetPlans.json');
    const plans = JSON.parse(readFileSync(plansFile, 'utf8'));
    plans.configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
    writeFileSync(plansFile, JSON.stringify(plans));
    // two "lowres fold folders" as `nnunet train ... 3d_lowres <f> --out` leaves them, each with its validation cases
    const folds = [0, 1].map((f) => join(root, `lowres_fold_${f}`));
    for (let i = 0; i < 5; i++) {
      const dir = join(folds[i % 2], 'predicted_next_stage', '3d_cascade_fullres');
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(cascade, 'nnUNetPlans_3d_fullres', `case_00${i}_seg.npy`), join(dir, `case_00${i}.npy`));
    }
    const dirs = { storeDir: join(root, 'store-cascade'), runsDir: join(root, 'runs') };
    const opts = { epochs: 1, iterations: 1, valIterations: 1, seed: 2, quiet: true, batchSize: 2, out: join(root, 'cascade_fold_0') };
    const missing = await trainCommand(cascade, '3d_cascade_fullres', '0', { ...opts, previousStage: [folds[0]] }, dirs);
    expect(missing.status).toBe('failed');
    expect(missing.nodes.find((n) => n.node === 'train')?.error?.code).toBe('TRAIN_PREVIOUS_STAGE_MISSING');
    const r = await trainCommand(cascade, '3d_cascade_fullres', '0', { ...opts, previousStage: folds }, dirs);
    expect(r.status).toBe('succeeded');
    const manifest = JSON.parse(readFileSync(join(root, 'cascade_fold_0', 'checkpoint_final', 'manifest.json'), 'utf8'));
    expect(manifest.inputChannels).toBe(3);
  });

  it('names the problem when the folder is neither preprocessed nor raw', async () => {
    await expect(trainCommand(join(root, 'nothing'), '2d', '0', {}, {})).rejects.toMatchObject({ code: 'CLI_TRAIN_FOLDER' });
    await expect(trainCommand(pre, '2d', 'x', {}, {})).rejects.toMatchObject({ code: 'CLI_BAD_FOLD' });
  });
});
