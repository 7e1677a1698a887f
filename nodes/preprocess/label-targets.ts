// spec §1.2 label semantics + §4.5 targets: what class_locations is collected for (nnU-Net's LabelManager view)
import type { LabelValue } from '../dataset/format.js';
import { allLabels, isRegionBased } from '../dataset/labels.js';
import type { LocationTarget } from './class-locations.js';

// nodes/predict imports it from here
export { allLabels };

/**
 * Targets in nnU-Net's order: the foreground regions (region datasets, pure-background entries dropped) or the
 * foreground labels, plus - with an ignore label - the annotated area `(-1, ...all_labels)`.
 */
export function locationTargets(labels: Record<string, LabelValue>): LocationTarget[] {
  const entries = Object.entries(labels).filter(([name]) => name !== 'ignore');
  const targets: LocationTarget[] = isRegionBased(labels)
    ? entries.map(([, v]) => v).filter((v) => (typeof v === 'number' ? v !== 0 : !v.every((x) => x === 0)))
    : allLabels(labels).filter((l) => l !== 0);
  if ('ignore' in labels) targets.push([-1, ...allLabels(labels)]);
  return targets;
}
