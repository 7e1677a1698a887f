// `nnunet preprocess` end to end through the engine on a tiny generated dataset: nnU-Net's output layout
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/imaging/io/npy.js';
import { preprocessCommand } from '../../src/cli/commands/preprocess.js';
import { trainCommand } from '../../src/cli/commands/train.js';
import { makeTinyDataset } from './tiny-dataset.js';

process.env.NNUNET_PREPROCESS_WORKERS = '1';
const root = mkdtempSync(join(tmpdir(), 'pp-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('nnunet preprocess', () => {
  it('plans and preprocesses every planned configuration into <out>/<data_identifier>/, cached on rerun', async () => {
    const dataset = join(root, 'Dataset900_Tiny');
    await makeTinyDataset(dataset, 4);
    const out = join(root, 'out');
    const dirs = { storeDir: join(root, 'store'), runsDir: join(root, 'runs') };
    const lines: string[] = [];
    const first = await preprocessCommand(dataset, { out, gpuMemory: 8, planner: 'default', ...dirs }, (l) => lines.push(l));
    expect(first.status).toBe('succeeded');
    const plans = JSON.parse(readFileSync(join(out, 'nnUNetPlans.json'), 'utf8'));
    expect(existsSync(join(out, 'dataset_fingerprint.json'))).toBe(true);
    expect(existsSync(join(out, 'dataset.json'))).toBe(true);
    expect(readdirSync(join(out, 'gt_segmentations')).sort()).toEqual(['case_000', 'case_001', 'case_002', 'case_003'].map((c) => `${c}.nii.gz`));
    const ids = Object.values(plans.configurations as Record<string, { data_identifier?: string }>)
      .map((c) => c.data_identifier)
      .filter((x): x is string => !!x);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const files = readdirSync(join(out, id)).sort();
      expect(files.filter((f) => f.endsWith('_seg.npy'))).toHaveLength(4);
      const data = decodeNpy(readFileSync(join(out, id, 'case_001.npy')));
      const seg = decodeNpy(readFileSync(join(out, id, 'case_001_seg.npy')));
      expect(data.shape.slice(1)).toEqual(seg.shape.slice(1));
      expect(seg.data).toBeInstanceOf(Int16Array);
      const props = JSON.parse(readFileSync(join(out, id, 'case_001.json'), 'utf8'));
      expect(props.shape_before_cropping).toHaveLength(3);
    }
    // a rerun is served from the store; a configuration the plans do not have (3d_lowres of a small dataset) is
    // skipped, saying so, as nnU-Net's preprocess_dataset does
    const again = join(root, 'out2');
    const said: string[] = [];
    const second = await preprocessCommand(dataset, { out: again, gpuMemory: 8, planner: 'default', configurations: ['2d', '3d_lowres', '3d_fullres'], ...dirs }, (l) => said.push(l));
    expect(second.nodes.filter((n) => n.node === 'preprocess').every((n) => n.status === 'cached')).toBe(true);
    expect(said[0]).toMatch(/^configuration 3d_lowres is not in the plans \(.*\): skipped$/);
    // the raw splits_final.json goes beside the plans, as nnU-Net's planner copies it
    writeFileSync(join(dataset, 'splits_final.json'), JSON.stringify([{ train: ['case_000', 'case_001', 'case_002'], val: ['case_003'] }]));
    const split = join(root, 'out-split');
    expect((await preprocessCommand(dataset, { out: split, gpuMemory: 8, planner: 'default', configurations: ['3d_fullres'], ...dirs }, () => {})).status).toBe('succeeded');
    expect(readFileSync(join(split, 'splits_final.json'), 'utf8')).toBe(readFileSync(join(dataset, 'splits_final.json'), 'utf8'));
    expect(readFileSync(join(again, 'nnUNetPlans.json'), 'utf8')).toEqual(readFileSync(join(out, 'nnUNetPlans.json'), 'utf8'));
    expect(existsSync(join(again, ids[0], 'case_003.npy'))).toBe(true);
    // nnUNetv2_preprocess with given plans: no planning, and the same settings find the same cached actions
    const given = join(root, 'out3');
    const third = await preprocessCommand(dataset, { out: given, planner: 'default', plans: join(out, 'nnUNetPlans.json'), ...dirs }, () => {});
    expect(third.nodes.some((n) => n.node === 'plan' || n.node === 'fingerprint')).toBe(false);
    expect(third.nodes.filter((n) => n.node === 'preprocess').every((n) => n.status === 'cached')).toBe(true);
    expect(readFileSync(join(given, ids[0], 'case_002.npy'))).toEqual(readFileSync(join(out, ids[0], 'case_002.npy')));
  });

  it('nnunet train on the preprocessed folder validates the fold against gt_segmentations/, as nnUNetv2_train does', { timeout: 300_000 }, async () => {
    const dataset = join(root, 'Dataset901_TinyTrain');
    await makeTinyDataset(dataset, 6);
    const pre = join(root, 'pre-train');
    const dirs = { storeDir: join(root, 'store'), runsDir: join(root, 'runs') };
    expect((await preprocessCommand(dataset, { out: pre, gpuMemory: 8, planner: 'default', configurations: ['3d_fullres'], ...dirs }, () => {})).status).toBe('succeeded');
    const out = join(root, 'fold_0');
    const r = await trainCommand(pre, '3d_fullres', '0', { epochs: 1, iterations: 1, valIterations: 1, seed: 1, batchSize: 2, quiet: true, out }, dirs);
    expect(r.status, JSON.stringify(r.nodes.map((n) => [n.id, n.status, n.error]))).toBe('succeeded');
    expect(r.nodes.map((n) => n.node).sort()).toEqual(['train', 'validate']);
    // nnU-Net's seeded 5-fold split of 6 cases: fold 0 validates 2 of them
    const summary = JSON.parse(readFileSync(join(out, 'validation', 'summary.json'), 'utf8'));
    const predicted = readdirSync(join(out, 'validation')).filter((f) => f.endsWith('.nii.gz'));
    expect(predicted).toHaveLength(2);
    expect(summary.metric_per_case).toHaveLength(2);
    expect(r.nodes.find((n) => n.node === 'validate')?.metrics.cases).toBe(2);
  });
});
