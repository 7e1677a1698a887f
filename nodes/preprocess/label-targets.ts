// spec §1.2 label semantics + §4.5 targets: what class_locations is collected for (nnU-Net's LabelManager view)
import type { LabelValue } from '../dataset/format.js';
import type { LocationTarget } from './class-locations.js';

const isRegion = (v: LabelValue): v is number[] => Array.isArray(v) && v.length > 1;

/** `all_labels`: sorted unique ints over every non-ignore entry, region lists flattened. */
export function allLabels(labels: Record<string, LabelValue>): number[] {
  const values = Object.entries(labels)
    .filter(([name]) => name !== 'ignore')
    .flatMap(([, v]) => (typeof v === 'number' ? [v] : [...v]));
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Targets in nnU-Net's order: the foreground regions (region datasets, pure-background entries dropped) or the
 * foreground labels, plus - with an ignore label - the annotated area `(-1, ...all_labels)`.
 */
export function locationTargets(labels: Record<string, LabelValue>): LocationTarget[] {
  const entries = Object.entries(labels).filter(([name]) => name !== 'ignore');
  const targets: LocationTarget[] = Object.values(labels).some(isRegion)
    ? entries
        .map(([, v]) => v)
        .filter((v) => (typeof v === 'number' ? v !== 0 : !v.every((x) => x === 0)))
    : allLabels(labels).filter((l) => l !== 0);
  if ('ignore' in labels) targets.push([-1, ...allLabels(labels)]);
  return targets;
}
