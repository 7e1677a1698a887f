/**
 * The real Dataset004_Hippocampus: our dataset_fingerprint.json must equal, byte for byte, the one nnU-Net's
 * extractor computes (test/planning/fixtures/hippocampus-fingerprint.py, numpy + scipy + nibabel), and the
 * plans must match nnU-Net's documented Hippocampus 3d_fullres plan (patch [40, 56, 40], batch 9).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCase, type AnalyzedCase } from '../../nodes/case-fingerprint/analyze-case.js';
import { aggregateFingerprint, fingerprintJson } from '../../nodes/fingerprint/aggregate.js';
import { planExperiment } from '../../nodes/plan/plan-experiment.js';
import type { ConfigurationPlan } from '../../nodes/plan/format.js';

const ROOT = new URL('../../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;
const GOLDEN = new URL('./fixtures/hippocampus-fingerprint.json', import.meta.url);

describe.skipIf(!existsSync(ROOT))('Hippocampus fingerprint and plans', () => {
  it('fingerprint file identical to nnU-Net’s; plans as documented', async () => {
    const ids = readdirSync(join(ROOT, 'labelsTr')).filter((f) => f.endsWith('.nii.gz') && !f.startsWith('.')).map((f) => f.slice(0, -7)).sort();
    const cases: AnalyzedCase[] = [];
    for (const id of ids) cases.push(await analyzeCase(id, [join(ROOT, 'imagesTr', `${id}_0000.nii.gz`)], join(ROOT, 'labelsTr', `${id}.nii.gz`)));
    const fp = aggregateFingerprint(cases.map((c) => c.summary), 1, (i, c) => cases[i].foreground[c]);
    expect(fingerprintJson(fp)).toBe(readFileSync(GOLDEN, 'utf8'));

    const ds = JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8'));
    const plans = planExperiment(fp, ds, { datasetName: 'Dataset004_Hippocampus' });
    const f = plans.configurations['3d_fullres'] as ConfigurationPlan;
    expect(f.patch_size).toEqual([40, 56, 40]);
    expect(f.batch_size).toBe(9);
    expect(f.architecture.arch_kwargs.strides).toEqual([[1, 1, 1], [2, 2, 2], [2, 2, 2], [2, 2, 2]]);
    expect(Object.keys(plans.configurations)).toEqual(['2d', '3d_fullres']);
  });
});
