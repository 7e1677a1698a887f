import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionContext, InputArtifact } from '../../src/engine/types.js';
import { writeImage } from '../../src/imaging/index.js';
import { preprocess } from './index.js';
import type { PreprocessParams } from './params.js';
import { configuration, plans, volume } from './test-helpers.js';

process.env.NNUNET_PREPROCESS_WORKERS = '0';

const root = mkdtempSync(join(tmpdir(), 'pp-node-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const artifact = (node: string, dir: string): InputArtifact => ({ action: node, node, digest: node, dir, matrix: {}, items: [], metrics: {} });

function context(configurationName: string, outDir: string, logs: string[]): ActionContext<PreprocessParams> {
  const planDir = join(root, 'plan');
  const inputs = { plan: [artifact('plan', planDir)], dataset: [artifact('dataset', join(root, 'dataset'))] };
  return {
    params: { configuration: configurationName },
    inputs,
    input: (name) => inputs[name as keyof typeof inputs][0],
    item: { id: 'case_7', digest: 'd', data: { images: [join(root, 'case_7_0000.nii.gz')], label: join(root, 'case_7.nii.gz') } },
    matrix: { configuration: configurationName },
    outDir,
    scratchDir: join(root, 'scratch'),
    external: {},
    signal: new AbortController().signal,
    progress: () => {},
    log: (m) => logs.push(m),
    actionId: `preprocess[configuration=${configurationName},case=case_7]`,
  };
}

describe('preprocess node', () => {
  it('writes <case>.npy, <case>_seg.npy and <case>.json per case and configuration; the cascade reuses 3d_fullres data', async () => {
    mkdirSync(join(root, 'plan'));
    const p = plans([0, 1, 2], { '3d_fullres': configuration([1, 1, 1], ['ZScoreNormalization'], [false]) }, { 0: {} });
    p.configurations['3d_cascade_fullres'] = { inherits_from: '3d_fullres', previous_stage: '3d_lowres' };
    writeFileSync(join(root, 'plan', 'nnUNetPlans.json'), JSON.stringify(p));
    writeFileSync(join(root, 'plan', 'dataset.json'), JSON.stringify({ labels: { background: 0, a: 1 } }));
    await writeImage(join(root, 'case_7_0000.nii.gz'), volume(Float32Array.from({ length: 60 }, (_, i) => i + 1), [1, 3, 4, 5], [1, 1, 1]));
    await writeImage(join(root, 'case_7.nii.gz'), volume(Float32Array.from({ length: 60 }, (_, i) => i % 2), [1, 3, 4, 5], [1, 1, 1]));

    for (const name of ['3d_fullres', '3d_cascade_fullres']) {
      const out = join(root, name);
      mkdirSync(out);
      const logs: string[] = [];
      const result = await preprocess.run(context(name, out, logs));
      expect(readdirSync(out).sort()).toEqual(['case_7.json', 'case_7.npy', 'case_7_seg.npy']);
      expect(result).toEqual({ metrics: { data_identifier: 'nnUNetPlans_3d', shape: [1, 3, 4, 5] } });
      if (name === '3d_cascade_fullres') expect(logs.join('\n')).toMatch(/3d_lowres/);
    }
  });

  it('refuses to run without a case item', async () => {
    const ctx = { ...context('3d_fullres', root, []), item: undefined };
    await expect(preprocess.run(ctx)).rejects.toMatchObject({ code: 'PREPROCESS_NO_CASE' });
  });

  it("processes an all-zero image as nnU-Net does and says so in the action log", async () => {
    await writeImage(join(root, 'case_7_0000.nii.gz'), volume(new Float32Array(60), [1, 3, 4, 5], [1, 1, 1]));
    const out = join(root, 'zeros');
    mkdirSync(out);
    const logs: string[] = [];
    await preprocess.run(context('3d_fullres', out, logs));
    expect(logs.join('\n')).toMatch(/case_7: image has no nonzero voxel/);
    expect(readdirSync(out)).toHaveLength(3);
  });
});
