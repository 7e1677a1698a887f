import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyConfig, tinyDataset, tinyPlans } from '../../test/predict/tiny-model.js';
import type { Plans } from '../plan/format.js';
import { plansJson } from '../plan/plan-experiment.js';
import { exportModel } from './export-model.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const plans: Plans = { ...tinyPlans, configurations: {
  '3d_fullres': tinyConfig,
  '3d_lowres': { ...tinyConfig, data_identifier: 'nnUNetPlans_3d_lowres', next_stage: '3d_cascade_fullres' },
  '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' } as unknown as Plans['configurations'][string],
} };

/** A train-fold output as export reads it: <dir>/checkpoint_final/manifest.json (+ weights). */
function fold(configuration: string, f: number): string {
  const dir = join(root, 'train', `${configuration}-${f}`);
  mkdirSync(join(dir, 'checkpoint_final'), { recursive: true });
  writeFileSync(join(dir, 'checkpoint_final', 'manifest.json'), JSON.stringify({ configuration, fold: f, plans, datasetJson: tinyDataset }));
  writeFileSync(join(dir, 'checkpoint_final', 'weights.bin'), '');
  return dir;
}

describe('exportModel with a cascade', () => {
  it('exports 3d_lowres beside 3d_cascade_fullres, and refuses a cascade stage without its previous stage folds', async () => {
    const out = join(root, 'model');
    const r = await exportModel({ folds: [fold('3d_cascade_fullres', 0), fold('3d_cascade_fullres', 1), fold('3d_lowres', 1), fold('3d_lowres', 0)], checkpoint: 'checkpoint_final' }, out);
    expect(r.configurations).toEqual({ '3d_cascade_fullres': [0, 1], '3d_lowres': [0, 1] });
    expect(existsSync(join(out, '3d_lowres', 'fold_1', 'checkpoint_final', 'manifest.json'))).toBe(true);
    // plans.json as the plan node writes it (Python's floats: spacing [1.0, 1.0, 1.0], eps 1e-05), not JSON.stringify's
    const text = readFileSync(join(out, 'plans.json'), 'utf8');
    expect(text).toBe(plansJson(plans));
    expect(text).toMatch(/"original_median_spacing_after_transp": \[\s*1\.0,/);
    await expect(exportModel({ folds: [fold('3d_cascade_fullres', 0), fold('3d_cascade_fullres', 1), fold('3d_lowres', 0)], checkpoint: 'checkpoint_final' },
      join(root, 'model2'))).rejects.toMatchObject({ code: 'EXPORT_MISSING_PREVIOUS_STAGE', message: expect.stringContaining('3d_lowres fold(s) 1') });
  });
});
