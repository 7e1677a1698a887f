/**
 * nnU-Net's whole method with a cascade, through the real CLI at a tiny budget: a generated dataset whose plan has a
 * 3d_lowres stage (a small GPU-memory target shrinks the patch); 2d and 3d_fullres, and 2 lowres folds -> their
 * validation writes every case on the fullres grid -> 2 cascade folds trained on image + one-hot lowres channels;
 * all four cross-validated -> find-best over them and their pairs -> postprocessing -> export; then
 * `nnunet predict -m` with the exported folder segments a new image through 3d_lowres and the cascade.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { artifactDir, type RunRecord } from '../src/engine/index.js';
import { readImage, readNpy, readSegmentation } from '../src/imaging/index.js';
import type { Plans } from '../nodes/plan/format.js';
import { cli } from './engine/cli-harness.js';
import { writeDataset } from './planning/synthetic.js';

const PIPELINE = new URL('../pipelines/nnunet-cascade.yaml', import.meta.url).pathname;

describe('cascade pipeline (2d, 3d_fullres, 3d_lowres -> 3d_cascade_fullres, tiny budget)', () => {
  it('trains and validates all four, chooses among them and their pairs, exports a model that predicts through the cascade', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-cascade-'));
    const raw = join(dir, 'Dataset998_Cascade');
    await writeDataset(raw, ['c0', 'c1', 'c2', 'c3'].map((id) => ({ id, shape: [28, 28, 28] })));
    const store = join(dir, 'store');
    const args = ['run', PIPELINE, '--store', store, '--set', `dataset=${raw}`, '--set', 'gpu_memory_gb=0.005', '--set', 'split_folds=2',
      '--set', 'folds=[0, 1]', '--set', 'train.epochs=1', '--set', 'train.iterations_per_epoch=2', '--set', 'train.val_iterations=1',
      '--set', 'train.seed=1', '--set', 'validation_tta=false', '-q'];
    const first = await cli(args, dir);
    expect(first.code, first.out + first.err).toBe(0);
    const id = /run (\S+) succeeded/.exec(first.out)?.[1];
    const rec = JSON.parse(readFileSync(join(dir, 'runs', id!, 'run.json'), 'utf8')) as RunRecord;
    const node = (prefix: string) => rec.nodes.filter((n) => n.id.startsWith(prefix));
    const out = (n: RunRecord['nodes'][number]) => artifactDir(store, n.outputs!.digest);

    const plans = JSON.parse(readFileSync(join(await out(node('plan')[0]), 'nnUNetPlans.json'), 'utf8')) as Plans;
    expect(plans.configurations['3d_lowres'].next_stage).toBe('3d_cascade_fullres');

    // every case has an out-of-fold lowres segmentation on the cascade's preprocessed grid
    const gathered = node('lowres_predictions')[0];
    expect(gathered.metrics).toMatchObject({ folds: 2, '3d_cascade_fullres_cases': 4 });
    const segDir = join(await out(gathered), 'predicted_next_stage', '3d_cascade_fullres');
    expect((await readdir(segDir)).sort()).toEqual(['c0.npy', 'c1.npy', 'c2.npy', 'c3.npy']);
    const pre = node('preprocess_cascade[configuration=3d_cascade_fullres').find((n) => n.id.endsWith('case=c2]'))!;
    const image = await readNpy(join(await out(pre), 'c2.npy'));
    const lowresSeg = await readNpy(join(segDir, 'c2.npy'));
    expect(lowresSeg.shape).toEqual([1, ...image.shape.slice(1)]);

    for (const [prefix, channels] of [['train_lowres', 1], ['train_cascade', 1 + 2]] as const) {
      const trained = node(prefix);
      expect(trained.map((n) => n.status)).toEqual(['ran', 'ran']);
      for (const n of trained) {
        const manifest = JSON.parse(readFileSync(join(await out(n), 'checkpoint_final', 'manifest.json'), 'utf8')) as { inputChannels: number };
        expect(manifest.inputChannels, n.id).toBe(channels);
      }
    }
    const evaluated = [...node('evaluate['), ...node('evaluate_cascade[')];
    expect(evaluated.map((n) => n.matrix.configuration)).toEqual(['2d', '3d_fullres', '3d_lowres', '3d_cascade_fullres']);
    for (const n of evaluated) expect(n.metrics, n.id).toMatchObject({ cases: 4, mean_fg_dice: expect.any(Number) });
    expect(first.out).toMatch(/3d_cascade_fullres\s+\d\.\d{4}/);

    // find-best scored the four configurations and their 6 pairs; postprocess and export ran on its choice
    const best = node('find_best')[0].metrics as { all: Record<string, number>; best: string };
    expect(Object.keys(best.all)).toHaveLength(4 + 6);
    expect(Object.keys(best.all)).toContain('ensemble___nnUNetTrainer__nnUNetPlans__3d_lowres___nnUNetTrainer__nnUNetPlans__3d_cascade_fullres___0_1');
    expect(node('postprocess')[0].status).toBe('ran');
    const exported = node('export')[0];
    expect(exported.metrics.configurations).toEqual({ '2d': [0, 1], '3d_fullres': [0, 1], '3d_lowres': [0, 1], '3d_cascade_fullres': [0, 1] });

    // the exported folder predicts a case through 3d_lowres and 3d_cascade_fullres with no extra flag
    const model = await out(exported);
    const pred = join(dir, 'pred');
    const p = await cli(['predict', '-i', join(raw, 'imagesTr', 'c1_0000.nii.gz'), '-o', pred, '-m', model, '-c', '3d_cascade_fullres', '--no-tta'], dir);
    expect(p.code, p.out + p.err).toBe(0);
    expect(p.out).toMatch(/3d_lowres first \(folds 0 1\)/);
    const predictArgs = JSON.parse(readFileSync(join(pred, 'predict_from_raw_data_args.json'), 'utf8')) as { previous_stage: unknown };
    expect(predictArgs.previous_stage).toEqual({ configuration: '3d_lowres', folds: [0, 1] });
    const seg = await readSegmentation(join(pred, 'c1.nii.gz'));
    expect(seg.shape).toEqual((await readImage([join(raw, 'imagesTr', 'c1_0000.nii.gz')])).shape);
    expect(Math.max(...new Set(seg.data))).toBeLessThanOrEqual(2);

    const again = await cli(args, dir);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/Nothing was stale/);

    // the predict kind does the same inside a pipeline: this one plus a predict node on the export; all else cached
    const images = join(dir, 'new');
    mkdirSync(images);
    copyFileSync(join(raw, 'imagesTr', 'c1_0000.nii.gz'), join(images, 'c1_0000.nii.gz'));
    const derived = join(dir, 'with-predict.yaml');
    writeFileSync(derived, `${readFileSync(PIPELINE, 'utf8')}  predict:
    uses: predict
    needs: { model: export }
    with: { input: ${JSON.stringify(images)}, configuration: 3d_cascade_fullres, tta: false }
`);
    const withPredict = await cli([...args.slice(0, 1), derived, ...args.slice(2)], dir);
    expect(withPredict.code, withPredict.out + withPredict.err).toBe(0);
    expect(withPredict.out).toMatch(/: 1 ran, \d+ cached/);
    const predictId = /run (\S+) succeeded/.exec(withPredict.out)?.[1];
    const rec2 = JSON.parse(readFileSync(join(dir, 'runs', predictId!, 'run.json'), 'utf8')) as RunRecord;
    const predicted = await out(rec2.nodes.find((n) => n.id === 'predict')!);
    expect(JSON.parse(readFileSync(join(predicted, 'predict_from_raw_data_args.json'), 'utf8')).previous_stage)
      .toEqual({ configuration: '3d_lowres', folds: [0, 1] });
    expect(Array.from((await readSegmentation(join(predicted, 'c1.nii.gz'))).data)).toEqual(Array.from(seg.data));
  });
});
