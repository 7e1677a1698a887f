import { describe, expect, it } from 'vitest';
import type { Shape3 } from '../../src/imaging/volume.js';
import { determinePostprocessing, type EvalCase } from './determine.js';
import { applyOps, KEEP_LARGEST, keepLargestOf } from './operations.js';
import { parseOps } from './apply.js';

const row = (s: string) => Uint8Array.from(s.split('').map(Number));

describe('keep largest component of labels (spec §9)', () => {
  it('uses full connectivity: diagonal neighbours join', () => {
    // 1 x 3 x 3 (2D): the diagonal is one component in 8-connectivity, so nothing is removed
    expect(Array.from(keepLargestOf(row('100010001'), [1, 3, 3], 1))).toEqual(Array.from(row('100010001')));
    expect(Array.from(keepLargestOf(row('1101100100'), [1, 1, 10], 1))).toEqual(Array.from(row('1101100000')));
  });
  it('removes the small islands of the union mask and sets them to background', () => {
    const seg = Uint8Array.from([1, 2, 2, 0, 2, 0, 1]);
    expect(Array.from(keepLargestOf(seg, [1, 1, 7], [1, 2]))).toEqual([1, 2, 2, 0, 0, 0, 0]);
    expect(Array.from(keepLargestOf(seg, [1, 1, 7], 2))).toEqual([1, 2, 2, 0, 0, 0, 1]);
    expect(Array.from(seg)).toEqual([1, 2, 2, 0, 2, 0, 1]);
  });
});

describe('determinePostprocessing acceptance rules', () => {
  const shape: Shape3 = [1, 1, 9];
  const mk = (ref: string, pred: string): EvalCase =>
    ({ ref: row(ref), pred: row(pred), shape, prediction_file: 'p', reference_file: 'r' });

  it('accepts the all-foreground step when Dice rises and no label gets worse', () => {
    // a spurious label-1 island far from the object
    const d = determinePostprocessing([mk('110000000', '110000001'), mk('022000000', '022000000')], [1, 2], null);
    expect(d.ops[0]).toEqual({ fn: KEEP_LARGEST, labels_or_regions: [1, 2] });
    expect(d.final.foreground_mean.Dice).toBeGreaterThan(d.baseline.foreground_mean.Dice);
    expect(Array.from(d.postprocessed[0])).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects the all-foreground step when one label gets worse, then tries labels one by one', () => {
    // label 2 is a true separate object smaller than label 1: the union step deletes it (label 2 worse)
    // while label 1 alone has a spurious island that step B removes
    const d = determinePostprocessing([mk('111002000', '111002001')], [1, 2], null);
    expect(d.ops).toEqual([{ fn: KEEP_LARGEST, labels_or_regions: 1 }]);
    expect(Array.from(d.postprocessed[0])).toEqual([1, 1, 1, 0, 0, 2, 0, 0, 0]);
  });

  it('accepts nothing when nothing strictly improves', () => {
    const d = determinePostprocessing([mk('110000000', '110000000')], [1], null);
    expect(d.ops).toEqual([]);
    expect(d.final).toBe(d.baseline);
  });

  it('replays recorded operations and rejects unknown ones', () => {
    const ops = parseOps({ postprocessing_fns: [KEEP_LARGEST], postprocessing_kwargs: [{ labels_or_regions: [1, 2] }] }, 'x');
    expect(Array.from(applyOps(row('110000001'), shape, ops))).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => parseOps({ postprocessing_fns: ['other'], postprocessing_kwargs: [{}] }, 'x'))
      .toThrow(expect.objectContaining({ code: 'POSTPROCESSING_INVALID' }));
  });
});
