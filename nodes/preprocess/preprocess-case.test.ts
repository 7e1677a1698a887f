import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/imaging/io/npy.js';
import type { LabelValue } from '../dataset/format.js';
import { preprocessCase } from './preprocess-case.js';
import { configuration, FIXTURES, plans, volume } from './test-helpers.js';

interface Meta {
  spacing: number[];
  transpose_forward: number[];
  configuration_spacing: number[];
  normalization_schemes: string[];
  use_mask_for_norm: boolean[];
  foreground_intensity_properties_per_channel: Record<string, { mean: number; std: number; percentile_00_5: number; percentile_99_5: number }>;
  labels: Record<string, LabelValue>;
  has_seg: boolean;
}

const npy = (name: string) => decodeNpy(readFileSync(new URL(name, FIXTURES)), name);
const json = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;

function runFixture(name: string) {
  const meta = json<Meta>(`${name}.json`);
  const input = npy(`${name}.in.npy`);
  const seg = meta.has_seg ? npy(`${name}.in_seg.npy`) : null;
  const p = plans(
    meta.transpose_forward,
    { cfg: configuration(meta.configuration_spacing, meta.normalization_schemes, meta.use_mask_for_norm) },
    meta.foreground_intensity_properties_per_channel,
  );
  const out = preprocessCase(
    volume(input.data, input.shape, meta.spacing),
    seg ? volume(seg.data, seg.shape, meta.spacing) : null,
    p,
    'cfg',
    { labels: meta.labels },
  );
  return { out, meta };
}

describe('preprocessCase vs nnU-Net DefaultPreprocessor (golden, scripts/golden/preprocess.py)', () => {
  const cases = ['aniso_3d', 'aniso_2d', 'aniso_3d_noseg', 'regions_ct_mask', 'ignore_2d', 'target_aniso', 'downsample_iso'];
  it.each(cases)('%s: shape, data, seg and properties', (name) => {
    const { out, meta } = runFixture(name);
    const want = npy(`${name}.out.npy`);
    const wantSeg = npy(`${name}.out_seg.npy`);
    const props = json<Record<string, unknown>>(`${name}.props.json`);
    expect(out.shape).toEqual(want.shape);
    let worst = 0;
    for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(out.data[i] - want.data[i]) / Math.max(1, Math.abs(want.data[i])));
    expect(worst).toBeLessThan(1e-4);
    if (meta.has_seg) expect(Array.from(out.seg!)).toEqual(Array.from(wantSeg.data));
    else expect(out.seg).toBeNull();
    const { target_spacing: _t, ...expected } = props;
    expect(out.properties).toMatchObject(expected);
    if (!meta.has_seg) expect(out.properties.class_locations).toBeUndefined();
    expect(out.properties.spacing).toEqual(meta.spacing);
  });
});

describe('preprocessCase input checks and edge cases', () => {
  const p = plans([0, 1, 2], { '3d_fullres': configuration([1, 1, 1], ['ZScoreNormalization'], [false]) }, { 0: {} });
  const labels = { background: 0, a: 1 };

  it('rejects a label whose shape does not fit the image', () => {
    const img = volume(new Float32Array(24).fill(1), [1, 2, 3, 4], [1, 1, 1]);
    const seg = volume(new Float32Array(24), [1, 2, 4, 3], [1, 1, 1]);
    expect(() => preprocessCase(img, seg, p, '3d_fullres', { labels })).toThrow(expect.objectContaining({ code: 'PREPROCESS_SEG_SHAPE_MISMATCH' }));
  });

  it('rejects an image whose channel count differs from the plan', () => {
    const img = volume(new Float32Array(16).fill(1), [2, 2, 2, 2], [1, 1, 1]);
    expect(() => preprocessCase(img, null, p, '3d_fullres', { labels })).toThrow(expect.objectContaining({ code: 'PREPROCESS_CHANNEL_MISMATCH' }));
  });

  it('names an unknown configuration', () => {
    const img = volume(new Float32Array(8).fill(1), [1, 2, 2, 2], [1, 1, 1]);
    expect(() => preprocessCase(img, null, p, '3d_lowres', { labels })).toThrow(expect.objectContaining({ code: 'PLANS_UNKNOWN_CONFIGURATION' }));
  });

  it("an all-zero image follows nnU-Net: full-image bbox, data normalizes to 0, unlabelled voxels become -1", () => {
    const img = volume(new Float32Array(24), [1, 2, 3, 4], [1, 1, 1]);
    const seg = volume(new Float32Array(24), [1, 2, 3, 4], [1, 1, 1]);
    seg.data[5] = 1;
    const out = preprocessCase(img, seg, p, '3d_fullres', { labels });
    expect(out.properties.bbox_used_for_cropping).toEqual([[0, 2], [0, 3], [0, 4]]);
    expect(Array.from(out.data).every((v) => v === 0)).toBe(true);
    expect(out.seg![5]).toBe(1);
    expect(Array.from(out.seg!).filter((v) => v === -1)).toHaveLength(23);
    expect(out.properties.class_locations).toEqual({ 1: [[0, 0, 1, 1]] });
  });

  it('3d_cascade_fullres inherits the 3d_fullres preprocessing', () => {
    const cascade = { ...p, configurations: { ...p.configurations, '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' } } };
    const img = volume(Float32Array.from({ length: 24 }, (_, i) => i), [1, 2, 3, 4], [1, 1, 1]);
    const a = preprocessCase(img, null, cascade, '3d_fullres', { labels });
    const b = preprocessCase(img, null, cascade, '3d_cascade_fullres', { labels });
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('does not modify the caller image', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i + 1);
    const img = volume(data, [1, 2, 3, 4], [1, 1, 1]);
    preprocessCase(img, null, p, '3d_fullres', { labels });
    expect(data[0]).toBe(1);
  });
});
