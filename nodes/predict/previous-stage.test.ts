import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readSegmentation, writeImage, writeSegmentation } from '../../src/imaging/index.js';
import { TINY_GEOMETRY, TINY_SHAPE, tinyConfig, tinyDataset, tinyPlans } from '../../test/predict/tiny-model.js';
import type { Plans } from '../plan/format.js';
import { openModel, type FoldNetwork, type NetworkLoader } from './model.js';
import { predictCases } from './previous-stage.js';
import { writeFile } from 'node:fs/promises';

const root = mkdtempSync(join(tmpdir(), 'nnunet-prev-stage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plans: Plans = { ...tinyPlans, configurations: {
  '3d_fullres': tinyConfig,
  '3d_lowres': { ...tinyConfig, data_identifier: 'nnUNetPlans_3d_lowres', next_stage: '3d_cascade_fullres' },
  '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' } as unknown as Plans['configurations'][string],
} };
// the image on the configurations' own 1 mm grid: no resampling, so the stages' label maps compare voxel for voxel
const GEOMETRY = { ...TINY_GEOMETRY, itkSpacing: [1, 1, 1] };

/**
 * Stand-in networks (channels last): 3d_lowres labels 1 where the normalized image exceeds 0.5; the cascade returns its
 * one-hot previous-stage channels as logits, so its output is exactly the segmentation it was given.
 */
const seen: Record<string, number[]> = { '3d_lowres': [], '3d_cascade_fullres': [] };
const loader: NetworkLoader = async (dir) => {
  const lowres = dir.includes('3d_lowres');
  const net: FoldNetwork = {
    mirrorAxes: null,
    dispose: () => undefined,
    predictor: (x) => {
      const c = x.shape[x.shape.length - 1];
      seen[lowres ? '3d_lowres' : '3d_cascade_fullres'].push(c);
      const bg = tf.fill([...x.shape.slice(0, -1), 1], 0.5);
      return lowres ? tf.concat([bg, x.slice([0, 0, 0, 0, 0], [-1, -1, -1, -1, 1]), tf.zerosLike(bg)], -1)
        : tf.concat([bg, x.slice([0, 0, 0, 0, 1], [-1, -1, -1, -1, 2])], -1);
    },
  };
  return net;
};

async function modelFolder(name: string, configurations: string[]): Promise<string> {
  const dir = join(root, name);
  for (const c of configurations) mkdirSync(join(dir, c, 'fold_0', 'checkpoint_final'), { recursive: true });
  await writeFile(join(dir, 'plans.json'), JSON.stringify(plans));
  await writeFile(join(dir, 'dataset.json'), JSON.stringify(tinyDataset));
  return dir;
}

async function images(): Promise<Array<{ id: string; files: string[] }>> {
  const dir = join(root, 'images');
  mkdirSync(dir, { recursive: true });
  const [a, b, c] = TINY_SHAPE;
  const cases = [];
  for (const id of ['p', 'q']) {
    const data = new Float32Array(a * b * c);
    for (let i = 0; i < data.length; i++) data[i] = Math.exp(-(((i % c) - 4) ** 2) / 6) * (id === 'p' ? 100 : 30) + (i % 7);
    const file = join(dir, `${id}_0000.nii.gz`);
    await writeImage(file, { data, channels: 1, shape: TINY_SHAPE, spacing: [1, 1, 1], geometry: GEOMETRY });
    cases.push({ id, files: [file] });
  }
  return cases;
}

describe('a cascade model predicts its previous stage first (spec §7)', () => {
  it('runs 3d_lowres from the same model folder and feeds its segmentations to 3d_cascade_fullres', async () => {
    const dir = await modelFolder('full', ['3d_lowres', '3d_cascade_fullres']);
    const cases = await images();
    const model = await openModel(dir, { configuration: '3d_cascade_fullres', loader });
    const work = join(root, 'work');
    const r = await predictCases(cases, model, join(root, 'out'), { tta: false, workDir: work, loader });
    expect(r).toMatchObject({ written: ['p', 'q'], failed: [] });
    expect(seen['3d_lowres'].every((c) => c === 1) && seen['3d_lowres'].length > 0).toBe(true);
    expect(new Set(seen['3d_cascade_fullres'])).toEqual(new Set([3]));
    for (const id of ['p', 'q']) {
      const low = await readSegmentation(join(work, `${id}.nii.gz`));
      const out = await readSegmentation(join(root, 'out', `${id}.nii.gz`));
      const fg = low.data.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
      expect(fg, id).toBeGreaterThan(0);
      expect(fg, id).toBeLessThan(low.data.length);
      expect(Array.from(out.data), id).toEqual(Array.from(low.data));
    }
  });

  it('finds the previous stage beside an nnU-Net results folder (<Trainer>__<Plans>__<configuration>)', async () => {
    const results = join(root, 'results');
    for (const c of ['3d_lowres', '3d_cascade_fullres']) {
      const dir = join(results, `nnUNetTrainer__nnUNetPlans__${c}`);
      mkdirSync(join(dir, 'fold_0', 'checkpoint_final'), { recursive: true });
      await writeFile(join(dir, 'plans.json'), JSON.stringify(plans));
      await writeFile(join(dir, 'dataset.json'), JSON.stringify(tinyDataset));
    }
    const model = await openModel(join(results, 'nnUNetTrainer__nnUNetPlans__3d_cascade_fullres'), { loader });
    expect(model.configuration).toBe('3d_cascade_fullres');
    const r = await predictCases(await images(), model, join(root, 'out3'), { tta: false, workDir: join(root, 'w3'), loader });
    expect(r).toMatchObject({ written: ['p', 'q'], failed: [] });
    const low = await readSegmentation(join(root, 'w3', 'p.nii.gz'));
    expect(Array.from((await readSegmentation(join(root, 'out3', 'p.nii.gz'))).data)).toEqual(Array.from(low.data));
  });

  it('an explicit previous-stage folder wins; a folder without the previous stage asks for one', async () => {
    const dir = await modelFolder('cascade-only', ['3d_cascade_fullres']);
    const cases = await images();
    const model = await openModel(dir, { configuration: '3d_cascade_fullres', loader });
    await expect(predictCases(cases, model, join(root, 'x'), { tta: false, workDir: join(root, 'w2'), loader }))
      .rejects.toMatchObject({ code: 'PREDICT_MISSING_PREVIOUS_STAGE' });
    const given = join(root, 'given');
    mkdirSync(given, { recursive: true });
    for (const c of cases) {
      await writeSegmentation(join(given, `${c.id}.nii.gz`), new Uint8Array(TINY_SHAPE[0] * TINY_SHAPE[1] * TINY_SHAPE[2]).fill(2), TINY_SHAPE, GEOMETRY);
    }
    const r = await predictCases(cases, model, join(root, 'out2'), { tta: false, previousStage: given, workDir: join(root, 'w2'), loader });
    expect(r.failed).toEqual([]);
    expect(new Set((await readSegmentation(join(root, 'out2', 'p.nii.gz'))).data)).toEqual(new Set([2]));
  });
});
