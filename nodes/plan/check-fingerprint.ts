/** A dataset_fingerprint.json given by the user: checked against schemas/fingerprint.schema.json and for consistency. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { Issue } from '../../src/engine/errors.js';
import type { DatasetFingerprint } from '../fingerprint/format.js';
import { placeIssues } from '../dataset/validate.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/fingerprint.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile<DatasetFingerprint>(schema);

export function checkFingerprint(value: unknown, file: string): Issue[] {
  if (!validate(value)) {
    // placed as file:line:col: /path: message, like dataset.json's
    return placeIssues((validate.errors ?? []).map((e) => ({ code: 'FINGERPRINT_SCHEMA', file, path: e.instancePath, message: e.message ?? 'is invalid' })), file);
  }
  const issues: Issue[] = [];
  if (value.spacings.length !== value.shapes_after_crop.length) {
    issues.push({ code: 'FINGERPRINT_INCONSISTENT', file, path: '/spacings',
      message: `${file}: ${value.spacings.length} spacings but ${value.shapes_after_crop.length} shapes_after_crop` });
  }
  const dims = new Set([...value.spacings, ...value.shapes_after_crop].map((r) => r.length));
  if (dims.size > 1) issues.push({ code: 'FINGERPRINT_INCONSISTENT', file, message: `${file}: cases have different numbers of axes` });
  return issues;
}
