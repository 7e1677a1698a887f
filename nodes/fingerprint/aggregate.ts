/**
 * spec §2 aggregation: per-case parts -> dataset_fingerprint.json, with nnU-Net's keys, values and file layout
 * (save_json: sorted keys, indent 4).
 */
import { medianOf } from '../../src/imaging/np.js';
import type { CaseFingerprint } from '../case-fingerprint/analyze-case.js';
import { pyJsonStringify } from '../../src/util/py-json.js';
import type { DatasetFingerprint } from './format.js';
import { foregroundStatistics, samplesPerCase, TOTAL_FOREGROUND_SAMPLES } from './intensity.js';

/** `cases` in dataset order; `load` returns a case's foreground values for one channel. */
export function aggregateFingerprint(cases: readonly CaseFingerprint[], numChannels: number,
  load: (caseIndex: number, channel: number) => Float32Array, totalSamples = TOTAL_FOREGROUND_SAMPLES): DatasetFingerprint {
  const numSamples = samplesPerCase(cases.length, totalSamples);
  const stats = foregroundStatistics({ counts: cases.map((c) => c.num_foreground), numChannels, load }, numSamples);
  const props: DatasetFingerprint['foreground_intensity_properties_per_channel'] = {};
  stats.forEach((s, c) => {
    props[String(c)] = s;
  });
  return {
    foreground_intensity_properties_per_channel: props,
    median_relative_size_after_cropping: medianOf(cases.map((c) => c.relative_size_after_cropping)),
    shapes_after_crop: cases.map((c) => c.shape_after_crop),
    spacings: cases.map((c) => c.spacing),
  };
}

const FLOAT_KEYS = new Set(['foreground_intensity_properties_per_channel', 'median_relative_size_after_cropping', 'spacings']);

export function fingerprintJson(fp: DatasetFingerprint): string {
  return pyJsonStringify(fp, {
    isFloat: (p) => FLOAT_KEYS.has(p[0]),
    // Python sorts the int channel keys numerically (before they become strings), as JS objects order them
    sortKeys: (p) => !(p.length === 1 && p[0] === 'foreground_intensity_properties_per_channel'),
  });
}
