import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../src/nn/ops/index.js';
import { readNpy, readSegmentation, writeNpy, writeSegmentation } from '../../src/imaging/index.js';
import type { Shape3 } from '../../src/imaging/volume.js';
import { saveCheckpoint } from '../../src/nn/checkpoint.js';
import { networkSpec, UNet, type PlansArchitecture } from '../../src/nn/unet/index.js';
import { tinyConfig, tinyDataset, tinyPlans } from '../../test/predict/tiny-model.js';
import type { ConfigurationPlan, Plans } from '../plan/format.js';
import { resolveConfiguration } from '../plan/resolve.js';
import type { CaseProperties } from '../preprocess/preprocess-case.js';
import { collectNextStageSegs, nextStageFile, nextStageShape } from './next-stage.js';
import { validateFold, type ValidationCase } from './validate-fold.js';

// a lowres stage at twice the fullres spacing; the case is not cropped and its own spacing is the fullres one
const plans: Plans = {
  ...tinyPlans,
  configurations: {
    '3d_fullres': tinyConfig,
    '3d_lowres': { ...tinyConfig, data_identifier: 'nnUNetPlans_3d_lowres', spacing: [2, 2, 2], next_stage: '3d_cascade_fullres' },
    '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' },
  },
};
const FULL: Shape3 = [8, 12, 10];
const LOW: Shape3 = [4, 6, 5];
const GEOMETRY = { dimension: 3 as const, itkSpacing: [1, 1, 1], itkOrigin: [0, 0, 0], itkDirection: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
const props: CaseProperties = {
  spacing: [1, 1, 1], sitk_stuff: { spacing: [1, 1, 1], origin: [0, 0, 0], direction: GEOMETRY.itkDirection },
  shape_before_cropping: FULL, bbox_used_for_cropping: [[0, 8], [0, 12], [0, 10]], shape_after_cropping_and_before_resampling: FULL,
};
const vox = (s: Shape3) => s[0] * s[1] * s[2];

let root: string;

async function checkpoint(configuration: string, inputChannels: number): Promise<string> {
  const dir = join(root, configuration, 'checkpoint_final');
  const config = resolveConfiguration(plans, configuration) as ConfigurationPlan;
  const net = new UNet(networkSpec(config.architecture as unknown as PlansArchitecture, inputChannels, 3), 7);
  await saveCheckpoint(dir, net, null, {
    configuration, fold: 0, plans, configurationPlan: config, datasetJson: tinyDataset, inputChannels, numOutputs: 3,
    currentEpoch: 1, bestEma: null, ema: null, log: [], mirrorAxes: [0, 1, 2], info: {},
  });
  net.dispose();
  return dir;
}

async function preprocessedCase(id: string, shape: Shape3): Promise<string> {
  const dir = join(root, `pre-${shape.join('x')}`);
  await mkdir(dir, { recursive: true });
  const data = Float32Array.from({ length: vox(shape) }, (_, i) => Math.sin(i * 0.37) * 2);
  await writeNpy(join(dir, `${id}.npy`), data, [1, ...shape]);
  await writeFile(join(dir, `${id}.json`), JSON.stringify(props));
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'validate-cascade-'));
  const ref = Uint8Array.from({ length: vox(FULL) }, (_, i) => i % 3);
  await writeSegmentation(join(root, 'ref.nii.gz'), ref, FULL, GEOMETRY);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('validation of a stage with next_stage (spec §5.9)', () => {
  it('computes the next stage grid as its preprocessing would', () => {
    expect(nextStageShape(props, plans, resolveConfiguration(plans, '3d_cascade_fullres'))).toEqual(FULL);
    expect(nextStageShape({ ...props, spacing: [1, 1, 3] }, plans, resolveConfiguration(plans, '3d_lowres'))).toEqual([4, 6, 15]);
  });

  it('writes predicted_next_stage/<next>/<case>.npy on the next stage grid, equal to the export when the grids agree', async () => {
    const cases: ValidationCase[] = [{ id: 'c1', preprocessedDir: await preprocessedCase('c1', LOW), reference: join(root, 'ref.nii.gz') }];
    const out = join(root, 'low-out');
    await validateFold({ checkpointDir: await checkpoint('3d_lowres', 1), cases, outDir: out, saveProbabilities: false, tta: false });
    const next = await readNpy(nextStageFile(out, '3d_cascade_fullres', 'c1'));
    expect(next.shape).toEqual([1, ...FULL]);
    expect(next.data).toBeInstanceOf(Int16Array);
    // the fullres grid is the original (uncropped, spacing 1) grid here, so the probability resampling to it and the
    // export to the original geometry are the same computation
    const exported = await readSegmentation(join(out, 'validation', 'c1.nii.gz'));
    expect(Array.from(next.data)).toEqual(Array.from(exported.data));
    expect(new Set(next.data).size).toBeGreaterThan(1);
    const found = await collectNextStageSegs([out, join(root, 'elsewhere')], '3d_cascade_fullres', 'X_DUP');
    expect([...found.keys()]).toEqual(['c1']);
    await expect(collectNextStageSegs([out, out], '3d_cascade_fullres', 'X_DUP')).rejects.toMatchObject({ code: 'X_DUP' });
  });
});

describe('validation of a cascade stage (spec §7)', () => {
  it('feeds the previous stage as one-hot channels; asks for it when missing or mis-shaped', async () => {
    const ckpt = await checkpoint('3d_cascade_fullres', 3);
    const pre = await preprocessedCase('c2', FULL);
    const prev = join(root, 'prev.npy');
    await writeNpy(prev, Int16Array.from({ length: vox(FULL) }, (_, i) => (i % 7 === 0 ? 2 : i % 5 === 0 ? 1 : 0)), [1, ...FULL]);
    const base = { id: 'c2', preprocessedDir: pre, reference: join(root, 'ref.nii.gz') };
    const summary = await validateFold({ checkpointDir: ckpt, cases: [{ ...base, previousStage: prev }], outDir: join(root, 'casc-out'), saveProbabilities: false, tta: false });
    expect(summary.metric_per_case).toHaveLength(1);

    await expect(validateFold({ checkpointDir: ckpt, cases: [base], outDir: join(root, 'x'), saveProbabilities: false, tta: false }))
      .rejects.toMatchObject({ code: 'VALIDATE_PREVIOUS_STAGE_MISSING' });
    const wrong = join(root, 'wrong.npy');
    await writeNpy(wrong, new Int16Array(vox(LOW)), [1, ...LOW]);
    await expect(validateFold({ checkpointDir: ckpt, cases: [{ ...base, previousStage: wrong }], outDir: join(root, 'y'), saveProbabilities: false, tta: false }))
      .rejects.toMatchObject({ code: 'VALIDATE_PREVIOUS_STAGE_SHAPE', context: { item: 'c2' } });
  });
});
