// spec §1.2: label semantics of dataset.json (regions, ignore label, the values a label map may hold).
import type { Issue } from '../../src/engine/errors.js';
import type { LabelValue } from './format.js';

const asList = (v: LabelValue): number[] => (Array.isArray(v) ? v : [v]);

/** Region-based iff any label value is a list with more than one element. */
export const isRegionBased = (labels: Record<string, LabelValue>): boolean =>
  Object.values(labels).some((v) => Array.isArray(v) && v.length > 1);

/** Sorted unique ints over all non-ignore entries (regions flattened). */
export function allLabels(labels: Record<string, LabelValue>): number[] {
  const values = Object.entries(labels).filter(([k]) => k !== 'ignore').flatMap(([, v]) => asList(v));
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Values a label file may contain: every declared label plus the ignore label. */
export function allowedLabelValues(labels: Record<string, LabelValue>): Set<number> {
  const out = new Set(allLabels(labels));
  if (typeof labels.ignore === 'number') out.add(labels.ignore);
  return out;
}

/**
 * Semantic checks on `labels` (and `regions_class_order`) beyond the schema; all problems. `regionsClassOrder` is
 * as the file has it: anything but a list was already reported by the schema.
 */
export function labelIssues(labels: Record<string, LabelValue>, regionsClassOrder: unknown, file: string): Issue[] {
  const issues: Issue[] = [];
  const bad = (code: string, path: string, message: string) => issues.push({ code, file, path, message });
  if (labels.background !== 0) {
    bad('DATASET_BACKGROUND', '/labels/background', `labels.background must be 0, got ${JSON.stringify(labels.background)}${Array.isArray(labels.background) ? ' (a number, not a list)' : ''}`);
  }
  const values = allLabels(labels);
  const consecutive = values.every((v, i) => v === i);
  if (!consecutive) {
    // name the entries past the first gap: in a region list the culprit is not visible from the values alone
    const gap = values.findIndex((v, i) => v !== i);
    const culprits = Object.entries(labels).filter(([k, v]) => k !== 'ignore' && asList(v).some((x) => x > gap))
      .map(([k, v]) => `'${k}' (${JSON.stringify(v)})`);
    bad('DATASET_LABELS_NOT_CONSECUTIVE', '/labels', `label values must be consecutive integers from 0, got [${values.join(', ')}]: ` +
      `${gap} is missing, so ${culprits.join(', ')} ${culprits.length === 1 ? 'does' : 'do'} not fit`);
  }
  if ('ignore' in labels) {
    const ig = labels.ignore;
    const max = Math.max(...values);
    if (typeof ig !== 'number') bad('DATASET_IGNORE_LABEL', '/labels/ignore', 'the ignore label must be an int');
    else if (ig !== max + 1) bad('DATASET_IGNORE_LABEL', '/labels/ignore', `the ignore label must be max(other labels) + 1 = ${max + 1}, got ${ig}`);
  }
  if (isRegionBased(labels)) {
    // LabelManager leaves out background entries: every value 0 ([0] or [0, 0])
    const regions = Object.entries(labels).filter(([k, v]) => k !== 'ignore' && !asList(v).every((x) => x === 0));
    if (regionsClassOrder === undefined) bad('DATASET_REGIONS_CLASS_ORDER', '/regions_class_order', 'region-based labels need regions_class_order');
    else if (Array.isArray(regionsClassOrder) && regionsClassOrder.length !== regions.length) {
      bad('DATASET_REGIONS_CLASS_ORDER', '/regions_class_order', `regions_class_order needs one entry per region (${regions.length}), got ${regionsClassOrder.length}`);
    }
  }
  return issues;
}
