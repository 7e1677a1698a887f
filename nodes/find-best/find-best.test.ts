import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSegmentation, writeSegmentation } from '../../src/imaging/index.js';
import type { ImageGeometry, Shape3 } from '../../src/imaging/volume.js';
import { labelHandling, probabilitiesToSegmentation } from '../../src/nn/predict/labels.js';
import { writeNpz } from '../../src/nn/predict/npz.js';
import type { DatasetJson } from '../dataset/format.js';
import { accumulateCrossval } from '../evaluate/crossval.js';
import { caseMetrics, summarize, summaryToJson } from '../evaluate/summary.js';
import { determineOnFolder } from '../postprocess/determine-folder.js';
import { findBest } from './find-best.js';
import { pickBest } from './select.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-findbest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const GEOM: ImageGeometry = { dimension: 3, itkSpacing: [1, 1, 1], itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const SHAPE: Shape3 = [1, 1, 12];
const ds: DatasetJson = { labels: { background: 0, a: 1, b: 2 }, file_ending: '.nii.gz', numTraining: 2, channel_names: { 0: 'x' } };
const REF = [1, 1, 1, 0, 2, 2, 0, 0, 0, 0, 0, 0];

/** One-hot-ish probabilities (3 x 12): confident 0.9 on `labels`, with `soft` voxels overridden. */
function probs(labels: number[], soft: Record<number, [number, number, number]>): Float32Array {
  const p = new Float32Array(3 * 12);
  labels.forEach((l, v) => {
    const row: number[] = soft[v] ?? [0.05, 0.05, 0.05].map((x, k) => (k === l ? 0.9 : x));
    row.forEach((x, k) => { p[k * 12 + v] = x; });
  });
  return p;
}
// A misses voxel 2 (unsure), B misses voxel 5 (unsure); both see a spurious label-1 island at voxel 10
const A = probs([1, 1, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0], { 2: [0.6, 0.3, 0.1] });
const B = probs([1, 1, 1, 0, 2, 0, 0, 0, 0, 0, 1, 0], { 5: [0.6, 0.1, 0.3] });

async function writeFold(root: string, caseId: string, p: Float32Array) {
  const v = join(root, 'validation');
  mkdirSync(v, { recursive: true });
  const seg = probabilitiesToSegmentation(p, 3, labelHandling(ds.labels));
  await writeSegmentation(join(v, `${caseId}.nii.gz`), seg, SHAPE, GEOM);
  await writeNpz(join(v, `${caseId}.npz`), { probabilities: { data: p, shape: [3, ...SHAPE] } });
  writeFileSync(join(v, `${caseId}.json`), JSON.stringify({ sitk_stuff: { spacing: [1, 1, 1], origin: [0, 0, 0], direction: GEOM.itkDirection } }));
  const m = caseMetrics(REF, seg, [1, 2], null, { prediction_file: `${caseId}.nii.gz`, reference_file: `${caseId}.nii.gz` });
  writeFileSync(join(v, 'summary.json'), summaryToJson(summarize([m], [1, 2])));
}

describe('find-best and postprocess on synthetic cross-validation results', () => {
  it('scores configurations and their ensemble, picks the ensemble, then keeps only label 1 largest-component', async () => {
    const refs = join(dir, 'refs');
    mkdirSync(refs);
    const references = new Map<string, string>();
    for (const c of ['c1', 'c2']) {
      await writeSegmentation(join(refs, `${c}.nii.gz`), Uint8Array.from(REF), SHAPE, GEOM);
      references.set(c, join(refs, `${c}.nii.gz`));
    }
    const crossvals = [];
    for (const [config, p] of [['3d_fullres', B], ['2d', A]] as const) {
      const folds = [];
      for (const [fold, c] of ['c1', 'c2'].entries()) {
        const root = join(dir, `${config}-fold${fold}`);
        await writeFold(root, c, p);
        folds.push({ fold, dir: root });
      }
      const out = join(dir, `eval-${config}`);
      const { info, summary } = await accumulateCrossval(folds, { configuration: config, trainer: 'nnUNetTrainer', plans: 'nnUNetPlans' }, out);
      expect(summary.metric_per_case.map((c) => c.prediction_file)).toEqual(['c1.nii.gz', 'c2.nii.gz']);
      crossvals.push({ info, dir: out });
    }
    const out = join(dir, 'best');
    const { best, all } = await findBest({ crossvals, datasetJson: ds, datasetName: 'Dataset998_Lines', references, outDir: out, ensembling: true });
    // A (2d): label 1 Dice 4/6, label 2 Dice 1; B (3d_fullres): 6/7 and 2/3; ensemble: 6/7 and 1
    expect(all.map((c) => c.id)).toEqual(['nnUNetTrainer__nnUNetPlans__2d', 'nnUNetTrainer__nnUNetPlans__3d_fullres',
      'ensemble___nnUNetTrainer__nnUNetPlans__2d___nnUNetTrainer__nnUNetPlans__3d_fullres___0_1']);
    expect(all[0].score).toBeCloseTo((4 / 6 + 1) / 2, 10);
    expect(all[1].score).toBeCloseTo((6 / 7 + 2 / 3) / 2, 10);
    expect(all[2].score).toBeCloseTo((6 / 7 + 1) / 2, 10);
    expect(best.id).toBe(all[2].id);
    const text = readFileSync(join(out, 'inference_information.json'), 'utf8');
    const info = JSON.parse(text);
    // as nnU-Net's save_json: keys sorted at every level, the dataset by its folder name
    expect(Object.keys(info)).toEqual(['all_results', 'best_model_or_ensemble', 'considered_models', 'dataset_name_or_id', 'ensembling_allowed', 'folds']);
    expect(Object.keys(info.best_model_or_ensemble)).toEqual([...Object.keys(info.best_model_or_ensemble)].sort());
    expect(info.dataset_name_or_id).toBe('Dataset998_Lines');
    expect(text).toContain('"folds": [\n        0,\n        1\n    ]');
    expect(info.best_model_or_ensemble.selected_model_or_models.map((m: { configuration: string }) => m.configuration)).toEqual(['2d', '3d_fullres']);
    expect(info.all_results[all[2].id]).toBeCloseTo(all[2].score, 12);
    expect(info.best_model_or_ensemble.result_on_crossval_pre_pp).toBeCloseTo(all[2].score, 12);
    expect(info.considered_models.map((m: { configuration: string }) => m.configuration)).toEqual(['2d', '3d_fullres']);
    expect(readFileSync(join(out, 'inference_instructions.txt'), 'utf8')).toContain('nnunet ensemble');

    // all-foreground largest component would delete label 2 (rejected); label 1 alone loses its island (accepted)
    const pp = join(dir, 'pp');
    const d = await determineOnFolder(join(out, best.source), references, ds, pp);
    expect(d.ops.map((o) => o.labels_or_regions)).toEqual([1]);
    expect(d.final.foreground_mean.Dice).toBe(1);
    expect(Array.from((await readSegmentation(join(pp, 'postprocessed', 'c1.nii.gz'))).data)).toEqual(REF);
    const ppJson = JSON.parse(readFileSync(join(pp, 'postprocessing.json'), 'utf8'));
    expect(ppJson.postprocessing_fns).toEqual(['remove_all_but_largest_component_from_segmentation']);
    expect(ppJson.postprocessing_kwargs).toEqual([{ labels_or_regions: 1 }]);
    expect(ppJson.postprocessed.foreground_mean.Dice).toBe(1);
    expect(ppJson.input_folder.mean['1'].Dice).toBeCloseTo(6 / 7, 12);
  });

  it('refuses a model evaluated twice and candidates cross-validated on other folds', async () => {
    const info = (configuration: string, folds: number[]) => ({ info: { configuration, trainer: 'nnUNetTrainer', plans: 'nnUNetPlans', folds,
      model_id: `nnUNetTrainer__nnUNetPlans__${configuration}` }, dir: join(dir, 'none') });
    const opts = { datasetJson: ds, datasetName: 'Dataset998_Lines', references: new Map<string, string>(), outDir: join(dir, 'refused'), ensembling: true };
    await expect(findBest({ ...opts, crossvals: [info('3d_lowres', [0, 1]), info('2d', [0, 1]), info('3d_lowres', [0, 1])] }))
      .rejects.toMatchObject({ code: 'FIND_BEST_DUPLICATE_MODEL', message: expect.stringContaining('nnUNetTrainer__nnUNetPlans__3d_lowres') });
    await expect(findBest({ ...opts, crossvals: [info('2d', [0, 1]), info('3d_cascade_fullres', [0])] }))
      .rejects.toMatchObject({ code: 'FIND_BEST_FOLDS_DIFFER' });
  });

  it('ties go to the first candidate; NaN never wins', () => {
    expect(pickBest([{ id: 'a', score: 0.5 }, { id: 'b', score: 0.5 }]).id).toBe('a');
    expect(pickBest([{ id: 'a', score: NaN }, { id: 'b', score: 0.1 }]).id).toBe('b');
  });
});
