import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, readSegmentation, writeNpy } from '../../src/imaging/index.js';
import { readNpz } from '../../src/nn/predict/npz.js';
import { predictCommand, type PredictCommandOptions } from '../../src/cli/commands/predict.js';
import { preprocessCase } from '../../nodes/preprocess/preprocess-case.js';
import { validateFold } from '../../nodes/validate/validate-fold.js';
import { parseSummary } from '../../nodes/evaluate/summary.js';
import { ensembleCommand } from '../../src/cli/commands/ensemble.js';
import { exportModel, zipFolder } from '../../nodes/export/export-model.js';
import { keepLargestOf } from '../../nodes/postprocess/operations.js';
import { TINY_GEOMETRY, TINY_SHAPE, tinyDataset, tinyPlans, writeTinyImage, writeTinyModel } from './tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-predict-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'model');
const input = join(dir, 'in');
const base: PredictCommandOptions = { input: [input], output: '', model, tta: true, stepSize: 0.5, postprocessing: true, numParts: 1, partId: 0 };
const quiet = () => undefined;

beforeAll(async () => {
  await writeTinyModel(model, [0, 1]);
  mkdirSync(input);
  await writeTinyImage(join(input, 'case_a_0000.nii.gz'), 1);
  await writeTinyImage(join(input, 'case_b_0000.nii.gz'), 2);
});

const voxels = TINY_SHAPE[0] * TINY_SHAPE[1] * TINY_SHAPE[2];

describe('nnunet predict end to end (tiny random model)', () => {
  it('writes label maps on the input geometry and consistent probabilities', async () => {
    const out = join(dir, 'out');
    expect(await predictCommand({ ...base, output: out, saveProbabilities: true }, quiet)).toBe(0);
    for (const c of ['case_a', 'case_b']) {
      const seg = await readSegmentation(join(out, `${c}.nii.gz`));
      expect(seg.shape).toEqual(TINY_SHAPE);
      expect(seg.geometry.itkOrigin).toEqual(TINY_GEOMETRY.itkOrigin);
      expect(seg.geometry.itkDirection).toEqual(TINY_GEOMETRY.itkDirection);
      expect(seg.geometry.itkSpacing).toEqual(TINY_GEOMETRY.itkSpacing);
      const { probabilities } = await readNpz(join(out, `${c}.npz`));
      expect(probabilities.shape).toEqual([3, ...TINY_SHAPE]);
      const p = probabilities.data as Float32Array;
      for (let v = 0; v < voxels; v += 7) {
        expect(p[v] + p[voxels + v] + p[2 * voxels + v]).toBeCloseTo(1, 5);
        const best = [0, 1, 2].reduce((b, k) => (p[k * voxels + v] > p[b * voxels + v] ? k : b), 0);
        expect(seg.data[v]).toBe(best);
      }
      expect(JSON.parse(readFileSync(join(out, `${c}.json`), 'utf8')).shape_before_cropping).toEqual(TINY_SHAPE);
    }
    expect(existsSync(join(out, 'plans.json')) && existsSync(join(out, 'dataset.json'))).toBe(true);
  });

  it('averages folds, and mirroring changes a non-equivariant network', async () => {
    const probs = async (o: Partial<PredictCommandOptions>, name: string) => {
      const out = join(dir, name);
      expect(await predictCommand({ ...base, output: out, saveProbabilities: true, ...o }, quiet)).toBe(0);
      return (await readNpz(join(out, 'case_a.npz'))).probabilities.data as Float32Array;
    };
    const both = await probs({}, 'f01');
    const f0 = await probs({ folds: [0] }, 'f0');
    const noTta = await probs({ tta: false }, 'notta');
    const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
    expect(maxDiff(both, f0)).toBeGreaterThan(1e-4);
    expect(maxDiff(both, noTta)).toBeGreaterThan(1e-4);
    // -f all takes fold_all (here a copy of fold 0); without -f it is left out, as nnU-Net's auto-detection does
    cpSync(join(model, '3d_fullres', 'fold_0'), join(model, '3d_fullres', 'fold_all'), { recursive: true });
    expect(maxDiff(await probs({ folds: ['all'] }, 'fall'), f0)).toBe(0);
    expect(maxDiff(await probs({}, 'f01-again'), both)).toBe(0);
  });

  it('a broken input file fails only its case and the exit code says so', async () => {
    const bad = join(dir, 'in-bad');
    mkdirSync(bad);
    await writeTinyImage(join(bad, 'good_0000.nii.gz'), 3);
    writeFileSync(join(bad, 'broken_0000.nii.gz'), 'not an image');
    const out = join(dir, 'out-bad');
    const lines: string[] = [];
    expect(await predictCommand({ ...base, input: [bad], output: out, numParts: 2, partId: 1 }, quiet)).toBe(0);
    expect(existsSync(join(out, 'good.nii.gz'))).toBe(true); // sorted: broken (part 0), good (part 1)
    expect(await predictCommand({ ...base, input: [bad], output: out }, (l) => lines.push(l))).toBe(1);
    expect(existsSync(join(out, 'good.nii.gz'))).toBe(true);
    expect(existsSync(join(out, 'broken.nii.gz'))).toBe(false);
    expect(lines.some((l) => l.startsWith('FAILED broken'))).toBe(true);
    const again: string[] = [];
    expect(await predictCommand({ ...base, input: [bad], output: out, continuePrediction: true }, (l) => again.push(l))).toBe(1);
    expect(again.some((l) => l.startsWith('0 written, 1 skipped, 1 failed'))).toBe(true);
  });

  it('rejects a missing fold and a wrongly named input with clear codes', async () => {
    await expect(predictCommand({ ...base, output: join(dir, 'x'), folds: [3] }, quiet)).rejects.toMatchObject({ code: 'MODEL_MISSING_FOLDS' });
    const odd = join(dir, 'odd');
    mkdirSync(odd);
    writeFileSync(join(odd, 'case_0003.nii.gz'), '');
    await expect(predictCommand({ ...base, input: [odd], output: join(dir, 'y') }, quiet)).rejects.toMatchObject({ code: 'PREDICT_BAD_INPUT' });
  });
});

describe('validate: a fold predicted from preprocessed data', () => {
  it('writes validation/<case>, .npz and summary.json with metrics against the reference', async () => {
    const pre = join(dir, 'pre');
    mkdirSync(pre);
    const image = await readImage([join(input, 'case_a_0000.nii.gz')]);
    const p = preprocessCase(image, null, tinyPlans, '3d_fullres', tinyDataset);
    await writeNpy(join(pre, 'case_a.npy'), p.data, p.shape);
    writeFileSync(join(pre, 'case_a.json'), JSON.stringify(p.properties));
    // reference: the model's own prediction from raw, so Dice must be 1 where labels exist
    const out = join(dir, 'val');
    const summary = await validateFold({
      checkpointDir: join(model, '3d_fullres', 'fold_0', 'checkpoint_final'),
      cases: [{ id: 'case_a', preprocessedDir: pre, reference: join(dir, 'f0', 'case_a.nii.gz') }],
      outDir: out, saveProbabilities: true, tta: true,
    });
    expect(existsSync(join(out, 'validation', 'case_a.nii.gz'))).toBe(true);
    expect(existsSync(join(out, 'validation', 'case_a.npz'))).toBe(true);
    const written = parseSummary(readFileSync(join(out, 'validation', 'summary.json'), 'utf8'));
    expect(written.metric_per_case[0].prediction_file).toBe('case_a.nii.gz');
    for (const m of Object.values(summary.mean)) if (!Number.isNaN(m.Dice)) expect(m.Dice).toBe(1);
  });
});

describe('export and ensemble', () => {
  it('exports fold checkpoints as a zip that nnunet predict -m takes, with its postprocessing', async () => {
    const pp = join(dir, 'pp');
    mkdirSync(pp);
    writeFileSync(join(pp, 'postprocessing.json'), JSON.stringify({
      postprocessing_fns: ['remove_all_but_largest_component_from_segmentation'], postprocessing_kwargs: [{ labels_or_regions: [1, 2] }] }));
    const exported = join(dir, 'exported');
    const folds = [0, 1].map((f) => join(model, '3d_fullres', `fold_${f}`));
    expect(await exportModel({ folds, checkpoint: 'checkpoint_final', postprocess: pp }, exported)).toEqual({ configurations: { '3d_fullres': [0, 1] } });
    const zip = join(dir, 'model.zip');
    await zipFolder(exported, zip);
    const out = join(dir, 'from-zip');
    const lines: string[] = [];
    expect(await predictCommand({ ...base, model: zip, output: out }, (l) => lines.push(l))).toBe(0);
    expect(lines.some((l) => l.includes('postprocessing from the model'))).toBe(true);
    // same folds as 'f01', so the output is that prediction with the largest-component step replayed on it
    const seg = await readSegmentation(join(out, 'case_a.nii.gz'));
    const unprocessed = await readSegmentation(join(dir, 'f01', 'case_a.nii.gz'));
    expect(Array.from(seg.data)).toEqual(Array.from(keepLargestOf(Uint8Array.from(unprocessed.data), TINY_SHAPE, [1, 2])));
  });

  it('averages probabilities of prediction folders', async () => {
    const out = join(dir, 'ens');
    expect(await ensembleCommand({ input: [join(dir, 'f0'), join(dir, 'notta')], output: out }, quiet)).toBe(0);
    const [a, b] = await Promise.all([readNpz(join(dir, 'f0', 'case_b.npz')), readNpz(join(dir, 'notta', 'case_b.npz'))]);
    const pa = a.probabilities.data as Float32Array;
    const pb = b.probabilities.data as Float32Array;
    const seg = await readSegmentation(join(out, 'case_b.nii.gz'));
    for (let v = 0; v < voxels; v += 5) {
      const mean = [0, 1, 2].map((k) => (pa[k * voxels + v] + pb[k * voxels + v]) / 2);
      expect(seg.data[v]).toBe(mean.indexOf(Math.max(...mean)));
    }
    await expect(ensembleCommand({ input: [join(dir, 'f0'), join(dir, 'out-bad')], output: join(dir, 'e2') }, quiet))
      .rejects.toMatchObject({ code: 'ENSEMBLE_NO_PROBABILITIES' });
  });
});
