// Real Dataset004_Hippocampus cases vs nnU-Net's preprocessing replicated in numpy (scripts/golden/preprocess.py)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImage, readSegmentation } from '../../src/imaging/index.js';
import { preprocessCase } from '../../nodes/preprocess/preprocess-case.js';
import { configuration, plans } from '../../nodes/preprocess/test-helpers.js';

const ROOT = new URL('../../../shared/datasets/Dataset004_Hippocampus', import.meta.url).pathname;

interface Golden {
  shape: number[];
  spacing: number[];
  bbox_used_for_cropping: number[][];
  shape_before_cropping: number[];
  data_sum: number;
  data_every_97th: number[];
  seg_counts: Record<string, number>;
  class_location_counts: Record<string, number>;
  class_location_head: Record<string, number[][]>;
}

describe.skipIf(!existsSync(ROOT))('Hippocampus cases through preprocessCase', () => {
  const golden = JSON.parse(readFileSync(new URL('fixtures/hippocampus.golden.json', import.meta.url), 'utf8')) as Record<string, Golden>;
  // the spec §3.11 Hippocampus plans: identity transpose, spacing 1, z-score without mask
  const p = plans(
    [0, 1, 2],
    {
      '3d_fullres': configuration([1, 1, 1], ['ZScoreNormalization'], [false]),
      '2d': configuration([1, 1], ['ZScoreNormalization'], [false]),
    },
    { 0: {} },
  );
  // read inside the tests: a skipped describe still runs its body, and ../shared may be absent
  const labels = () => JSON.parse(readFileSync(join(ROOT, 'dataset.json'), 'utf8')).labels;

  it.each(Object.keys(golden))('%s', async (key) => {
    const [caseId, config] = key.split('/');
    const want = golden[key];
    const image = await readImage([join(ROOT, 'imagesTr', `${caseId}_0000.nii.gz`)]);
    const seg = await readSegmentation(join(ROOT, 'labelsTr', `${caseId}.nii.gz`));
    const out = preprocessCase(image, seg, p, config, { labels: labels() });
    expect(out.shape).toEqual(want.shape);
    expect(out.properties.spacing).toEqual(want.spacing);
    expect(out.properties.bbox_used_for_cropping).toEqual(want.bbox_used_for_cropping);
    expect(out.properties.shape_before_cropping).toEqual(want.shape_before_cropping);
    const sampled = want.data_every_97th.map((_, i) => out.data[i * 97]);
    sampled.forEach((v, i) => expect(Math.abs(v - want.data_every_97th[i])).toBeLessThan(1e-3 * Math.max(1, Math.abs(want.data_every_97th[i]))));
    expect(Math.abs(out.data.reduce((a, b) => a + b, 0) - want.data_sum)).toBeLessThan(0.05);
    const counts: Record<string, number> = {};
    for (const v of out.seg!) counts[v] = (counts[v] ?? 0) + 1;
    expect(counts).toEqual(want.seg_counts);
    const locs = out.properties.class_locations!;
    expect(Object.fromEntries(Object.entries(locs).map(([k, v]) => [k, v.length]))).toEqual(want.class_location_counts);
    expect(Object.fromEntries(Object.entries(locs).map(([k, v]) => [k, v.slice(0, 5)]))).toEqual(want.class_location_head);
  });
});
