// Incremental preprocessing through the engine: a plan edit reruns only the configurations whose preprocessing
// settings changed (preprocess-settings gives early cutoff), and nothing else.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { kinds } from '../../nodes/index.js';
import { configuration, plans } from '../../nodes/preprocess/test-helpers.js';
import { runPipeline, type NodeKind, type RunRecord } from '../../src/engine/index.js';
import { makeTinyDataset } from './tiny-dataset.js';

process.env.NNUNET_PREPROCESS_WORKERS = '1';
const root = mkdtempSync(join(tmpdir(), 'pp-incr-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Stands in for the planner: plans built from two params, so a test can change exactly one setting. */
const fixedPlan: NodeKind<{ inplane2d: number; batch2d: number }> = {
  kind: 'fixed-plan',
  version: '1',
  description: 'test plans',
  params: { type: 'object', properties: { inplane2d: { type: 'number' }, batch2d: { type: 'number' } }, required: ['inplane2d', 'batch2d'], additionalProperties: false },
  run: async ({ params, outDir }) => {
    const p = plans(
      [0, 1, 2],
      {
        '2d': { ...configuration([params.inplane2d, params.inplane2d], ['ZScoreNormalization'], [false]), batch_size: params.batch2d },
        '3d_fullres': configuration([2.5, 1, 1], ['ZScoreNormalization'], [false]),
      },
      { 0: {} },
    );
    await writeFile(join(outDir, 'nnUNetPlans.json'), JSON.stringify(p));
    await writeFile(join(outDir, 'dataset.json'), JSON.stringify({ labels: { background: 0, a: 1, b: 2 } }));
  },
};

const pipeline = (dataset: string) =>
  stringify({
    version: 1,
    name: 'incremental',
    params: { dataset, configurations: ['2d', '3d_fullres'], inplane2d: 1, batch2d: 12 },
    nodes: {
      dataset: { uses: 'dataset', with: { path: '${params.dataset}' } },
      plan: { uses: 'fixed-plan', with: { inplane2d: '${params.inplane2d}', batch2d: '${params.batch2d}' } },
      settings: { uses: 'preprocess-settings', needs: ['plan'], matrix: { configuration: '${params.configurations}' }, with: { configuration: '${matrix.configuration}' } },
      preprocess: {
        uses: 'preprocess',
        needs: { dataset: 'dataset', plan: 'settings' },
        foreach: 'dataset',
        matrix: { configuration: '${params.configurations}' },
        with: { configuration: '${matrix.configuration}' },
      },
    },
  });

const ran = (r: RunRecord): string[] => r.nodes.filter((n) => n.node === 'preprocess' && n.status === 'ran').map((n) => n.id).sort();

describe('incremental preprocessing', () => {
  it('reruns only what a plan or dataset edit touches', async () => {
    const dataset = join(root, 'Dataset901_Tiny');
    await makeTinyDataset(dataset, 3);
    const opts = { kinds: { ...kinds, 'fixed-plan': fixedPlan }, pipelineText: pipeline(dataset), storeDir: join(root, 'store'), runsDir: join(root, 'runs') };

    const first = await runPipeline(opts);
    expect(first.status).toBe('succeeded');
    expect(ran(first)).toHaveLength(6);

    // a batch size is no preprocessing setting: the plan reruns, every preprocess action is cached
    const batch = await runPipeline({ ...opts, set: { batch2d: '40' } });
    expect(batch.nodes.find((n) => n.node === 'plan')!.status).toBe('ran');
    expect(ran(batch)).toEqual([]);

    // the 2d target spacing is: only the 2d actions rerun
    const spacing = await runPipeline({ ...opts, set: { batch2d: '40', inplane2d: '0.5' } });
    expect(ran(spacing)).toEqual(['case_000', 'case_001', 'case_002'].map((c) => `preprocess[configuration=2d,case=${c}]`));

    // one edited case: only its two actions rerun
    await makeTinyDataset(join(root, 'other'), 2);
    copyFileSync(join(root, 'other', 'imagesTr', 'case_001_0000.nii.gz'), join(dataset, 'imagesTr', 'case_000_0000.nii.gz'));
    const edited = await runPipeline({ ...opts, set: { batch2d: '40', inplane2d: '0.5' } });
    expect(ran(edited)).toEqual(['2d', '3d_fullres'].map((c) => `preprocess[configuration=${c},case=case_000]`));
  });

  it('with the real fingerprint and planner, a new z-scored case preprocesses itself only (the dataset statistics it changes are CT-only)', async () => {
    const dataset = join(root, 'Dataset902_Grow');
    await makeTinyDataset(join(root, 'grow-src'), 4);
    await makeTinyDataset(dataset, 3);
    const planned = stringify({
      version: 1, name: 'grow', params: { dataset },
      nodes: {
        dataset: { uses: 'dataset', with: { path: '${params.dataset}' } },
        case_fingerprint: { uses: 'case-fingerprint', needs: ['dataset'], foreach: 'dataset' },
        fingerprint: { uses: 'fingerprint', needs: { cases: 'case_fingerprint', dataset: 'dataset' } },
        plan: { uses: 'plan', needs: ['fingerprint'] },
        settings: { uses: 'preprocess-settings', needs: ['plan'], with: { configuration: '3d_fullres' } },
        preprocess: { uses: 'preprocess', needs: { dataset: 'dataset', plan: 'settings' }, foreach: 'dataset', with: { configuration: '3d_fullres' } },
      },
    });
    const opts = { kinds, pipelineText: planned, storeDir: join(root, 'store-grow'), runsDir: join(root, 'runs') };
    expect(ran(await runPipeline(opts))).toHaveLength(3);
    for (const [from, to] of [['imagesTr/case_003_0000.nii.gz', 'imagesTr/case_003_0000.nii.gz'], ['labelsTr/case_003.nii.gz', 'labelsTr/case_003.nii.gz']]) {
      copyFileSync(join(root, 'grow-src', from), join(dataset, to));
    }
    await writeFile(join(dataset, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'MRI' }, labels: { background: 0, a: 1, b: 2 }, numTraining: 4, file_ending: '.nii.gz' }));
    const grown = await runPipeline(opts);
    expect(grown.nodes.find((n) => n.node === 'fingerprint')!.status).toBe('ran');
    expect(ran(grown)).toEqual(['preprocess[case=case_003]']);
  });
});
