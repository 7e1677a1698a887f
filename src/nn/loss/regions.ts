/**
 * Label handling from dataset.json `labels` (nnU-Net's LabelManager): region-based training when any label
 * maps to a list of values, the ignore label, and the conversion of a label map to binary region channels.
 */
import { NnunetError } from '../../engine/errors.js';

export type DatasetLabels = Record<string, number | number[]>;

export interface LabelSetup {
  /** foreground regions (label values per region) in dataset.json order, or null for plain labels */
  regions: number[][] | null;
  ignoreLabel: number | null;
  /** network output channels: all labels incl. background (softmax) or one per region (sigmoid) */
  numOutputs: number;
  /** label values with their own class (without ignore), ascending */
  allLabels: number[];
}

export function labelSetup(labels: DatasetLabels): LabelSetup {
  const entries = Object.entries(labels);
  const ignore = entries.find(([k]) => k === 'ignore');
  if (ignore && (typeof ignore[1] !== 'number' || !Number.isInteger(ignore[1]))) {
    throw new NnunetError('LABELS_INVALID', `dataset.json labels.ignore must be an integer, got ${JSON.stringify(ignore[1])}`, { path: '/labels/ignore' });
  }
  const ignoreLabel = ignore ? (ignore[1] as number) : null;
  const rest = entries.filter(([k]) => k !== 'ignore');
  const hasRegions = rest.some(([, v]) => Array.isArray(v));
  const values = (v: number | number[]) => (Array.isArray(v) ? v : [v]);
  const allLabels = [...new Set(rest.flatMap(([, v]) => values(v)))].sort((a, b) => a - b);
  if (!hasRegions) return { regions: null, ignoreLabel, numOutputs: allLabels.length, allLabels };
  const regions = rest.filter(([k]) => k !== 'background').map(([, v]) => values(v));
  return { regions, ignoreLabel, numOutputs: regions.length, allLabels };
}

/**
 * Channels-last label map [..., 1] -> [..., R (+1)] binary region channels, the ignore mask appended last
 * (ConvertSegmentationToRegionsTransform).
 */
export function labelsToRegions(labels: Float32Array, regions: number[][], ignoreLabel: number | null): Float32Array {
  const nc = regions.length + (ignoreLabel === null ? 0 : 1);
  const out = new Float32Array(labels.length * nc);
  for (let v = 0; v < labels.length; v++) {
    const l = labels[v];
    for (let r = 0; r < regions.length; r++) out[v * nc + r] = regions[r].includes(l) ? 1 : 0;
    if (ignoreLabel !== null) out[v * nc + regions.length] = l === ignoreLabel ? 1 : 0;
  }
  return out;
}
