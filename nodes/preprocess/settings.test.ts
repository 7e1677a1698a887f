import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionContext, InputArtifact } from '../../src/engine/types.js';
import type { Plans } from '../plan/format.js';
import type { PreprocessParams } from './params.js';
import { preprocessSettings, preprocessSettingsKind } from './settings.js';
import { configuration, plans } from './test-helpers.js';

const full = (): Plans => {
  const p = plans(
    [0, 1, 2],
    {
      '2d': { ...configuration([1, 1], ['ZScoreNormalization'], [false]), batch_size: 366 },
      '3d_fullres': { ...configuration([1, 1, 1], ['ZScoreNormalization'], [false]), batch_size: 9 },
      '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' },
    },
    { 0: {} },
  );
  return { ...p, dataset_name: 'D', experiment_planner_used: 'ExperimentPlanner' } as unknown as Plans;
};

describe('preprocessSettings', () => {
  it('ignores plan changes that do not touch a configuration', () => {
    const a = full();
    const b = full();
    b.configurations['2d'].batch_size = 12;
    b.configurations['3d_fullres'].batch_size = 2;
    expect(JSON.stringify(preprocessSettings(b, '3d_fullres'))).toBe(JSON.stringify(preprocessSettings(a, '3d_fullres')));
    b.configurations['3d_fullres'].spacing = [1, 0.5, 0.5];
    expect(JSON.stringify(preprocessSettings(b, '3d_fullres'))).not.toBe(JSON.stringify(preprocessSettings(a, '3d_fullres')));
  });

  it("keeps the dataset's intensity statistics for CT channels only: a new case changes nothing a z-scored channel reads", () => {
    const a = full();
    const b = full();
    b.foreground_intensity_properties_per_channel!['0'] = { ...b.foreground_intensity_properties_per_channel!['0'], mean: 42 };
    expect(preprocessSettings(a, '3d_fullres').foreground_intensity_properties_per_channel).toEqual({});
    expect(JSON.stringify(preprocessSettings(b, '3d_fullres'))).toBe(JSON.stringify(preprocessSettings(a, '3d_fullres')));
    for (const p of [a, b]) p.configurations['3d_fullres'].normalization_schemes = ['CTNormalization'];
    expect(preprocessSettings(b, '3d_fullres').foreground_intensity_properties_per_channel?.['0']?.mean).toBe(42);
    expect(JSON.stringify(preprocessSettings(b, '3d_fullres'))).not.toBe(JSON.stringify(preprocessSettings(a, '3d_fullres')));
  });

  it('resolves inheritance: the cascade carries the 3d_fullres data identifier and its previous stage', () => {
    const s = preprocessSettings(full(), '3d_cascade_fullres').configurations['3d_cascade_fullres'];
    expect(s.data_identifier).toBe('nnUNetPlans_3d');
    expect(s.previous_stage).toBe('3d_lowres');
    expect(s.inherits_from).toBeUndefined();
  });
});

describe('preprocess-settings node', () => {
  const root = mkdtempSync(join(tmpdir(), 'pp-settings-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes a plans file and the labels a preprocess action can take as its plan', async () => {
    mkdirSync(join(root, 'plan'));
    mkdirSync(join(root, 'out'));
    writeFileSync(join(root, 'plan', 'nnUNetPlans.json'), JSON.stringify(full()));
    writeFileSync(join(root, 'plan', 'dataset.json'), JSON.stringify({ labels: { background: 0, a: 1 }, numTraining: 3, name: 'x' }));
    const plan: InputArtifact = { action: 'plan', node: 'plan', digest: 'p', dir: join(root, 'plan'), matrix: {}, items: [], metrics: {} };
    const ctx = { params: { configuration: '2d' }, input: () => plan, outDir: join(root, 'out') } as unknown as ActionContext<PreprocessParams>;
    expect(await preprocessSettingsKind.run(ctx)).toEqual({ metrics: { data_identifier: 'nnUNetPlans_2d' } });
    const written = JSON.parse(readFileSync(join(root, 'out', 'nnUNetPlans.json'), 'utf8'));
    expect(Object.keys(written.configurations)).toEqual(['2d']);
    expect(JSON.parse(readFileSync(join(root, 'out', 'dataset.json'), 'utf8'))).toEqual({ labels: { background: 0, a: 1 } });
  });

  it('takes an existing plans file (and the dataset.json next to it) instead of a plan need', async () => {
    mkdirSync(join(root, 'given'));
    const ctx = {
      params: { configuration: '3d_cascade_fullres', plans: join(root, 'plan', 'nnUNetPlans.json') },
      input: () => {
        throw new Error('no plan need');
      },
      outDir: join(root, 'given'),
    } as unknown as ActionContext<PreprocessParams>;
    expect(preprocessSettingsKind.externalInputs!(ctx.params)).toEqual([join(root, 'plan', 'nnUNetPlans.json'), join(root, 'plan', 'dataset.json')]);
    expect(await preprocessSettingsKind.run(ctx)).toEqual({ metrics: { data_identifier: 'nnUNetPlans_3d' } });
  });
});
