/**
 * dataset -> case-fingerprint -> fingerprint -> plan (+ split) through the engine: first run, a new case
 * (only its case action runs), and an edit that leaves the fingerprint unchanged (early cutoff keeps the plan).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline, artifactDir, type RunRecord } from '../../src/engine/index.js';
import { writeImage } from '../../src/imaging/index.js';
import { kinds } from '../../nodes/index.js';
import { caseVolumes, writeDataset } from './synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'plan-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'Dataset007_Tiny');
const pipeline = join(root, 'plan.yaml');
writeFileSync(pipeline, `version: 1
name: plan
params: { dataset: ${data} }
nodes:
  dataset: { uses: dataset, with: { path: \${params.dataset} } }
  case_fingerprint: { uses: case-fingerprint, needs: [dataset] }
  fingerprint: { uses: fingerprint, needs: [dataset, case_fingerprint], with: { total_foreground_samples: 100000 } }
  plan: { uses: plan, needs: [fingerprint] }
  split: { uses: split, needs: [dataset], with: { folds: 3 } }
`);
const run = () => runPipeline({ pipelineFile: pipeline, kinds, storeDir: join(root, 'store'), runsDir: join(root, 'runs'), quiet: true });
const ran = (r: RunRecord) => r.nodes.filter((n) => n.status === 'ran').map((n) => n.id).sort();
const output = (r: RunRecord, id: string) => r.nodes.find((n) => n.id === id)!.outputs!.digest;

describe('planning pipeline', () => {
  it('plans, then reruns only what a new case or an edit touches', async () => {
    await writeDataset(data, [{ id: 'c1', shape: [10, 12, 14] }, { id: 'c2', shape: [10, 12, 14] }, { id: 'c3', shape: [10, 12, 14] }]);
    const first = await run();
    expect(first.status).toBe('succeeded');
    const planDir = await artifactDir(join(root, 'store'), output(first, 'plan'));
    const plans = JSON.parse(readFileSync(join(planDir, 'nnUNetPlans.json'), 'utf8'));
    expect(plans.dataset_name).toBe('Dataset007_Tiny');
    expect(Object.keys(plans.configurations)).toEqual(['2d', '3d_fullres']);
    expect(plans.configurations['3d_fullres'].median_image_size_in_voxels).toEqual([8, 10, 13]);

    // a fourth case of the same geometry: only its case action, the aggregate, plan and split run
    await writeDataset(data, [{ id: 'c1', shape: [10, 12, 14] }, { id: 'c2', shape: [10, 12, 14] }, { id: 'c3', shape: [10, 12, 14] }, { id: 'c4', shape: [10, 12, 14] }]);
    const second = await run();
    expect(ran(second)).toEqual(['case_fingerprint[case=c4]', 'dataset', 'fingerprint', 'plan', 'split']);

    // an image edit inside the crop but outside the foreground: new case digest, identical fingerprint -> plan cached
    const { image } = caseVolumes([10, 12, 14], [1, 1, 1], 0, 0);
    image.data[(1 * 12 + 1) * 14 + 2] = 999; // x=1,y=1: inside the nonzero box, never labelled
    await writeImage(join(data, 'imagesTr', 'c1_0000.nii.gz'), image);
    const third = await run();
    expect(ran(third)).toEqual(['case_fingerprint[case=c1]', 'dataset', 'fingerprint', 'split']);
    expect(third.nodes.find((n) => n.id === 'plan')!.status).toBe('cached');
    expect(output(third, 'fingerprint')).toBe(output(second, 'fingerprint'));
    expect(output(third, 'split')).toBe(output(second, 'split'));
  });
});
