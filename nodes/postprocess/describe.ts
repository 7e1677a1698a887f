/**
 * Postprocessing operations in words for summaries and reports: `keep the largest component of the foreground
 * as a whole (head + body), then of body (2)`. The recorded form is JSON of `labels_or_regions`; whether an array
 * is one region or the all-foreground step depends on the dataset's labels.
 */
import type { LabelValue } from '../dataset/format.js';
import { labelKey } from '../evaluate/summary.js';

const sameValue = (a: LabelValue, b: LabelValue): boolean => JSON.stringify([a].flat()) === JSON.stringify([b].flat());

export function describeOperation(op: string, labels: Record<string, LabelValue>): string {
  const value = JSON.parse(op) as LabelValue | LabelValue[];
  const declared = Object.entries(labels).filter(([name]) => name !== 'background' && name !== 'ignore');
  const named = (v: LabelValue): string => {
    const name = declared.find(([, d]) => sameValue(d, v))?.[0];
    const text = labelKey(v);
    return name ? `${name} ${Array.isArray(v) ? text : `(${text})`}` : text;
  };
  const oneRegion = Array.isArray(value) && value.every((x) => typeof x === 'number') && declared.some(([, d]) => Array.isArray(d) && sameValue(d, value as number[]));
  if (!Array.isArray(value) || oneRegion) return named(value as LabelValue);
  if (value.length === 1) return named(value[0]);
  return `the foreground as a whole (${value.map((v) => declared.find(([, d]) => sameValue(d, v))?.[0] ?? JSON.stringify(v)).join(' + ')})`;
}

export function describeOperations(ops: readonly string[], labels: Record<string, LabelValue>): string {
  if (ops.length === 0) return 'none';
  return `keep the largest component of ${ops.map((o) => describeOperation(o, labels)).join(', then of ')}`;
}
