// spec §4.5: foreground locations sampled per class / region for oversampling (one RandomState(1234) per case)
import { RandomState } from '../../src/imaging/np.js';
import type { Shape3 } from '../../src/imaging/volume.js';

/** A foreground label, or a region / annotated-area key given as the tuple of its member labels. */
export type LocationTarget = number | readonly number[];

/** nnU-Net's `class_locations` in JSON: key `"1"` or `"(1, 2)"` (Python's str of the tuple) -> `[[0, x, y, z], ...]`. */
export type ClassLocations = Record<string, number[][]>;

const MIN_SAMPLES = 10000;
const MIN_COVERAGE = 0.01;
const SEED = 1234;

/** The JSON key nnU-Net's dict key becomes: an int as is, a tuple as Python prints it. */
export const locationKey = (t: LocationTarget): string => (typeof t === 'number' ? String(t) : `(${t.join(', ')}${t.length === 1 ? ',' : ''})`);

/**
 * Mirrors `DefaultPreprocessor._sample_foreground_locations`: voxels of all requested labels are stable-sorted
 * by label (so each label is a run of C-order voxel indices); a target draws `max(min(10000, n), ceil(0.01 n))`
 * offsets without replacement from the concatenation of its members' runs, in the target's member order.
 */
export function sampleClassLocations(seg: Int16Array, shape: Shape3, targets: readonly LocationTarget[]): ClassLocations {
  const members = targets.map((t) => (typeof t === 'number' ? [t] : [...t]));
  const labels = [...new Set(members.flat())].filter((l) => l >= -32768 && l <= 32767);
  // label -> run index through a table over the whole int16 range: no hashing per voxel
  const slotOf = new Int32Array(65536).fill(-1);
  labels.forEach((l, i) => (slotOf[l + 32768] = i));
  const counts = new Int32Array(labels.length);
  const n = shape[0] * shape[1] * shape[2];
  for (let v = 0; v < n; v++) {
    const s = slotOf[seg[v] + 32768];
    if (s >= 0) counts[s]++;
  }
  const runs = labels.map((_, i) => new Int32Array(counts[i]));
  const fill = new Int32Array(labels.length);
  for (let v = 0; v < n; v++) {
    const s = slotOf[seg[v] + 32768];
    if (s >= 0) runs[s][fill[s]++] = v;
  }
  const empty = new Int32Array(0);
  const runOf = (l: number): Int32Array => (l >= -32768 && l <= 32767 ? runs[slotOf[l + 32768]] : empty);

  const rs = new RandomState(SEED);
  const yz = shape[1] * shape[2];
  const out: ClassLocations = {};
  targets.forEach((t, ti) => {
    const parts = members[ti].map(runOf).filter((r) => r.length > 0);
    const total = parts.reduce((a, r) => a + r.length, 0);
    const key = locationKey(t);
    if (total === 0) {
      out[key] = [];
      return;
    }
    const k = Math.max(Math.min(MIN_SAMPLES, total), Math.ceil(total * MIN_COVERAGE));
    const picks = rs.choice(total, k, false);
    const ends = new Int32Array(parts.length);
    parts.reduce((acc, r, i) => (ends[i] = acc + r.length), 0);
    out[key] = Array.from(picks, (off) => {
      let p = 0;
      while (off >= ends[p]) p++;
      const v = parts[p][off - (p === 0 ? 0 : ends[p - 1])];
      return [0, Math.floor(v / yz), Math.floor(v / shape[2]) % shape[1], v % shape[2]];
    });
  });
  return out;
}
