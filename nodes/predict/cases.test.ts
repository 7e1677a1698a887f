import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findCases } from './cases.js';

const dir = mkdtempSync(join(tmpdir(), 'nnunet-cases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const touch = (...names: string[]) => names.forEach((n) => writeFileSync(join(dir, n), ''));

describe('findCases (spec §1.1 naming)', () => {
  it('groups CASEID_XXXX files by case, in channel order, sorted by case', () => {
    const d = join(dir, 'a');
    mkdirSync(d);
    for (const n of ['b_0001.nii.gz', 'b_0000.nii.gz', 'a_0000.nii.gz', 'a_0001.nii.gz', 'notes.txt']) writeFileSync(join(d, n), '');
    expect(findCases([d], '.nii.gz', 2)).toEqual([
      { id: 'a', files: [join(d, 'a_0000.nii.gz'), join(d, 'a_0001.nii.gz')] },
      { id: 'b', files: [join(d, 'b_0000.nii.gz'), join(d, 'b_0001.nii.gz')] },
    ]);
  });
  it('takes explicit files; a single-channel model accepts names without the channel suffix', () => {
    touch('scan.nii.gz', 'x_0000.nii.gz');
    expect(findCases([join(dir, 'scan.nii.gz'), join(dir, 'x_0000.nii.gz')], '.nii.gz', 1).map((c) => c.id)).toEqual(['scan', 'x']);
  });
  it('reports every missing channel and bad name at once', () => {
    const d = join(dir, 'c');
    mkdirSync(d);
    for (const n of ['p_0000.nii.gz', 'q_0001.nii.gz', 'r_0000.nii.gz', 'r_0001.nii.gz']) writeFileSync(join(d, n), '');
    try {
      findCases([d], '.nii.gz', 2);
      expect.unreachable();
    } catch (e) {
      const err = e as { code: string; issues: Array<{ code: string; item?: string }> };
      expect(err.code).toBe('PREDICT_BAD_INPUT');
      expect(err.issues.map((i) => i.item)).toEqual(['p', 'q']);
    }
    expect(() => findCases([join(dir, 'nothing_0000.png')], '.nii.gz', 1)).toThrow(expect.objectContaining({ code: 'PREDICT_BAD_INPUT' }));
  });
  it('accepts packed channels (one RGB .png for three channels) when every case has the same files', () => {
    const d = join(dir, 'rgb');
    mkdirSync(d);
    for (const n of ['u_0000.png', 'v_0000.png']) writeFileSync(join(d, n), '');
    expect(findCases([d], '.png', 3)).toEqual([{ id: 'u', files: [join(d, 'u_0000.png')] }, { id: 'v', files: [join(d, 'v_0000.png')] }]);
    // a gap is still a missing file, and an index past the model's channels an unexpected one
    const g = join(dir, 'gap');
    mkdirSync(g);
    for (const n of ['w_0000.png', 'w_0002.png', 'z_0000.png', 'z_0003.png']) writeFileSync(join(g, n), '');
    expect(() => findCases([g], '.png', 3)).toThrow(/case w: the model takes 3 channel\(s\); missing _0001[\s\S]*case z: .*unexpected _0003/);
  });
});
