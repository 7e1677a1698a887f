/**
 * Dataset validation (spec §1): dataset.json against schemas/dataset.schema.json and its label rules, then every
 * training case - channels present and agreeing in geometry, label present, same shape, declared values only.
 * Every problem is collected; the node throws them together.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Ajv } from 'ajv';
import type { Issue } from '../../src/engine/errors.js';
import { readImage, readSegmentation, type Volume } from '../../src/imaging/index.js';
import { channelNames, type CaseFiles, type DatasetJson } from './format.js';
import { allowedLabelValues, labelIssues } from './labels.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/dataset.schema.json', import.meta.url), 'utf8'));
const validateSchema = new Ajv({ allErrors: true }).compile<DatasetJson>(schema);

export function datasetJsonIssues(value: unknown, file: string): Issue[] {
  if (!validateSchema(value)) {
    return (validateSchema.errors ?? []).map((e) => ({
      code: 'DATASET_JSON_SCHEMA', file, path: e.instancePath, message: `dataset.json${e.instancePath}: ${e.message}`,
    }));
  }
  return labelIssues(value.labels, value.regions_class_order, file);
}

const sameList = (a: readonly number[], b: readonly number[], tol: number) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol);
const fmt = (xs: readonly number[]) => `[${xs.map((x) => Number(x.toFixed(6))).join(', ')}]`;

function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return err.code ? `${err.message} [${err.code}]` : String(err.message ?? e);
}

/** Geometry checks between two volumes (channel vs channel 0, or label vs image). */
function geometryIssues(ref: Volume, other: Volume, what: string, code: string): string[] {
  const out: string[] = [];
  if (!sameList(ref.shape, other.shape, 0)) out.push(`${what} shape ${fmt(other.shape)} differs from ${fmt(ref.shape)}`);
  else {
    if (!sameList(ref.spacing, other.spacing, 1e-5 * Math.max(...ref.spacing))) {
      out.push(`${what} spacing ${fmt(other.spacing)} differs from ${fmt(ref.spacing)}`);
    }
    if (code === 'DATASET_CHANNEL_GEOMETRY') {
      if (!sameList(ref.geometry.itkOrigin, other.geometry.itkOrigin, 1e-4)) out.push(`${what} origin ${fmt(other.geometry.itkOrigin)} differs from ${fmt(ref.geometry.itkOrigin)}`);
      if (!sameList(ref.geometry.itkDirection, other.geometry.itkDirection, 1e-5)) out.push(`${what} direction differs`);
    }
  }
  return out;
}

/** Values of `data` outside `allowed` (a lookup table for small ints keeps the per-voxel test cheap). */
function undeclaredValues(data: Float32Array, allowed: Set<number>): Set<number> {
  const table = new Uint8Array(256);
  for (const v of allowed) if (v >= 0 && v < 256) table[v] = 1;
  const found = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v >= 0 && v < 256 && v === (v | 0) ? table[v] === 1 : allowed.has(v)) continue;
    found.add(v);
  }
  return found;
}

/** Checks one training case; returns its issues (empty when fine). */
export async function caseIssues(c: CaseFiles, ds: DatasetJson): Promise<Issue[]> {
  const issues: Issue[] = [];
  const add = (code: string, file: string | undefined, reason: string) =>
    issues.push({ code, item: c.id, file, message: `case ${c.id}: ${reason}` });
  const nChannels = Object.keys(channelNames(ds)).length;
  const ending = ds.file_ending;
  const expected = Array.from({ length: nChannels }, (_, i) => `${c.id}_${String(i).padStart(4, '0')}${ending}`);
  const present = new Set(c.images.map((f) => basename(f)));
  const viaDatasetKey = ds.dataset !== undefined;
  if (viaDatasetKey && c.images.length !== nChannels) {
    add('DATASET_CHANNEL_COUNT', c.images[0], `${c.images.length} image file(s) listed, dataset.json declares ${nChannels} channel(s)`);
  }
  if (!viaDatasetKey) {
    for (const name of expected) if (!present.has(name)) add('DATASET_MISSING_CHANNEL', name, `missing channel file ${name}`);
    for (const name of present) if (!expected.includes(name)) add('DATASET_EXTRA_CHANNEL', name, `unexpected channel file ${name} (dataset.json declares ${nChannels} channel(s))`);
  }
  const volumes: Array<{ file: string; vol: Volume }> = [];
  for (const file of c.images) {
    if (!existsSync(file)) {
      if (viaDatasetKey) add('DATASET_MISSING_CHANNEL', file, `missing image file ${file}`);
      continue;
    }
    try {
      volumes.push({ file, vol: await readImage([file]) });
    } catch (e) {
      add('DATASET_UNREADABLE', file, `cannot read ${file}: ${errorText(e)}`);
    }
  }
  const ref = volumes[0];
  for (const { file, vol } of volumes.slice(1)) {
    for (const r of geometryIssues(ref.vol, vol, basename(file), 'DATASET_CHANNEL_GEOMETRY')) add('DATASET_CHANNEL_GEOMETRY', file, r);
  }
  if (!c.label || !existsSync(c.label)) {
    add('DATASET_MISSING_LABEL', c.label, `missing label file ${c.label ?? ''}`);
    return issues;
  }
  let seg: Volume<Float32Array>;
  try {
    seg = await readSegmentation(c.label);
  } catch (e) {
    add('DATASET_UNREADABLE', c.label, `cannot read ${c.label}: ${errorText(e)}`);
    return issues;
  }
  if (ref) for (const r of geometryIssues(ref.vol, seg, 'label', 'DATASET_LABEL_GEOMETRY')) add('DATASET_LABEL_GEOMETRY', c.label, r);
  const found = undeclaredValues(seg.data, allowedLabelValues(ds.labels));
  if (found.size > 0) {
    const list = [...found].sort((a, b) => a - b).slice(0, 10);
    add('DATASET_UNDECLARED_LABELS', c.label, `label values [${list.join(', ')}] are not declared in dataset.json labels`);
  }
  return issues;
}
