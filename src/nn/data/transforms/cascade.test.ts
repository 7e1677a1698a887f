import { describe, expect, it } from 'vitest';
import { AUG } from '../constants.js';
import { createRng } from '../rng.js';
import { appendOneHot, augmentPreviousStage, randomBinaryOperator, removeRandomComponent } from './cascade.js';

const shape = [8, 10, 12];
const n = 8 * 10 * 12;
const at = (x: number, y: number, z: number) => (x * 10 + y) * 12 + z;

/** image channel 0 = 7s, then two one-hot channels: label 1 a big block, label 2 two small blocks. */
function sample(): Float32Array {
  const seg = new Int16Array(n);
  for (let x = 0; x < 8; x++) for (let y = 0; y < 10; y++) for (let z = 0; z < 12; z++) {
    if (x < 6 && y < 6 && z < 6) seg[at(x, y, z)] = 1; // 216 voxels = 22.5 % of the patch
    if (x >= 6 && y >= 7 && z >= 9) seg[at(x, y, z)] = 2; // 18 voxels
    if (x < 2 && y >= 8 && z >= 10) seg[at(x, y, z)] = 2; // 8 voxels
  }
  return appendOneHot(new Float32Array(n).fill(7), 1, seg, [1, 2]);
}
const count = (img: Float32Array, ch: number, voxels = n) => img.subarray(ch * voxels, (ch + 1) * voxels).reduce((s, v) => s + v, 0);

const big = [24, 24, 24];
const bigN = 24 ** 3;
/** one image channel and one one-hot channel holding a single voxel at the centre of a 24^3 patch */
function lonePoint(): Float32Array {
  const seg = new Int16Array(bigN);
  seg[(12 * 24 + 12) * 24 + 12] = 1;
  return appendOneHot(new Float32Array(bigN), 1, seg, [1]);
}
/** an observed frequency within 4 standard errors of p */
const within = (f: number, p: number, draws: number) => {
  const se = Math.sqrt((p * (1 - p)) / draws);
  expect(Math.abs(f - p), `observed ${f.toFixed(4)}, expected ${p.toFixed(4)}`).toBeLessThan(4 * se);
};

describe('cascade one-hot input (MoveSegAsOneHotToDataTransform)', () => {
  it('appends one channel per foreground label; -1 and 0 are all-zero', () => {
    const out = appendOneHot(Float32Array.from([5, 6, 7, 8]), 1, Int16Array.from([-1, 0, 1, 2]), [1, 2]);
    expect(Array.from(out)).toEqual([5, 6, 7, 8, 0, 0, 1, 0, 0, 0, 0, 1]);
  });
});

describe('random binary operator (ApplyRandomBinaryOperatorTransform)', () => {
  it('keeps the one-hot channels binary and exclusive, and leaves the image channels alone', () => {
    for (let s = 0; s < 20; s++) {
      const img = sample();
      randomBinaryOperator({ img, first: 1, count: 2, shape }, createRng(s), 1);
      expect(img.subarray(0, n).every((v) => v === 7)).toBe(true);
      for (let v = 0; v < n; v++) {
        expect([0, 1]).toContain(img[n + v]);
        expect(img[n + v] + img[2 * n + v]).toBeLessThanOrEqual(1);
      }
    }
  });

  it('is deterministic for a seeded rng and picks each channel with p_per_label', () => {
    const a = sample();
    const b = sample();
    randomBinaryOperator({ img: a, first: 1, count: 2, shape }, createRng(3));
    randomBinaryOperator({ img: b, first: 1, count: 2, shape }, createRng(3));
    expect(a).toEqual(b);
    // a lone voxel far from the border: erosion and opening (2 of the 4 operators) always delete it
    const rng = createRng(11);
    let gone = 0;
    const draws = 1000;
    for (let i = 0; i < draws; i++) {
      const img = lonePoint();
      randomBinaryOperator({ img, first: 1, count: 1, shape: big }, rng, 0.5);
      if (count(img, 1, bigN) === 0) gone++;
    }
    within(gone / draws, 0.5 / 2, draws);
  });
});

describe('random connected-component removal', () => {
  it('removes a whole small component and never one covering >= 15 % of the patch', () => {
    const rng = createRng(7);
    for (let i = 0; i < 50; i++) {
      const img = sample();
      removeRandomComponent({ img, first: 1, count: 2, shape }, rng, 1);
      expect(count(img, 1)).toBe(216); // 22.5 % of the patch: never removed
      expect([8, 18]).toContain(count(img, 2)); // exactly one of the two small blocks is gone
    }
  });

  it('p_per_label: with 0.5 about half of the draws remove a component from a channel, with the default (1) all do', () => {
    const rng = createRng(9);
    let removed = 0;
    const draws = 1000;
    for (let i = 0; i < draws; i++) {
      const img = sample();
      removeRandomComponent({ img, first: 1, count: 2, shape }, rng, 0.5);
      if (count(img, 2) < 26) removed++;
    }
    expect(removed / draws).toBeGreaterThan(0.45);
    expect(removed / draws).toBeLessThan(0.55);
    for (let i = 0; i < 20; i++) {
      const img = sample();
      removeRandomComponent({ img, first: 1, count: 2, shape }, rng);
      expect(count(img, 2)).toBeLessThan(26);
    }
  });
});

describe('step 13 per-sample probabilities', () => {
  it('binary operator with p 0.4, then component removal with p 0.2, each channel with p_per_label', () => {
    // a lone voxel in the middle of a 24^3 patch: erosion/opening delete it, dilation grows it to a ball (< 15 % of
    // the patch, so still removable), closing keeps it; the removal then deletes whatever is left
    const pOp = AUG.cascadePBinaryOp * AUG.cascadeBinaryOpPPerLabel;
    const pRemove = AUG.cascadePRemoveCc * AUG.cascadeRemoveCcPPerLabel;
    const rng = createRng(13);
    let gone = 0;
    let grown = 0;
    const draws = 2000;
    for (let i = 0; i < draws; i++) {
      const img = lonePoint();
      augmentPreviousStage({ img, first: 1, count: 1, shape: big }, rng);
      const c = count(img, 1, bigN);
      if (c === 0) gone++;
      if (c > 1) grown++;
    }
    within(gone / draws, pOp / 2 + (1 - pOp / 2) * pRemove, draws);
    within(grown / draws, (pOp / 4) * (1 - pRemove), draws);
  });
});
