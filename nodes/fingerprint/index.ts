/**
 * Kind `fingerprint` (spec §2): gathers every case-fingerprint output (any need whose artifacts hold
 * case_fingerprint.json) in the dataset's case order (the need whose artifact holds cases.json) and writes
 * dataset_fingerprint.json, plus dataset.json and dataset_name.txt so a plan needs nothing else.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type ActionContext, type InputArtifact, type NodeKind } from '../../src/engine/index.js';
import { decodeNpy } from '../../src/imaging/index.js';
import type { CaseFingerprint } from '../case-fingerprint/analyze-case.js';
import { CASE_FILE, foregroundFile } from '../case-fingerprint/index.js';
import { channelNames, type DatasetJson } from '../dataset/format.js';
import { CASES_FILE, readCaseListing } from '../dataset/listing.js';
import { aggregateFingerprint, fingerprintJson } from './aggregate.js';
import { paramsSchema, type FingerprintParams } from './params.js';

export const FINGERPRINT_FILE = 'dataset_fingerprint.json';
export const DATASET_NAME_FILE = 'dataset_name.txt';

async function run(ctx: ActionContext<FingerprintParams>) {
  const all: InputArtifact[] = Object.values(ctx.inputs).flat();
  const datasetArt = all.find((a) => existsSync(join(a.dir, CASES_FILE)));
  if (!datasetArt) throw new NodeError('FINGERPRINT_NO_DATASET', 'fingerprint needs the dataset node (cases.json) among its needs', { node: ctx.actionId });
  const listing = await readCaseListing(datasetArt.dir);
  const dsText = await readFile(join(datasetArt.dir, 'dataset.json'), 'utf8');
  const ds = JSON.parse(dsText) as DatasetJson;
  const byCase = new Map<string, string>();
  for (const a of all) {
    if (!existsSync(join(a.dir, CASE_FILE))) continue;
    const summary = JSON.parse(readFileSync(join(a.dir, CASE_FILE), 'utf8')) as CaseFingerprint;
    byCase.set(summary.id, a.dir);
  }
  const missing = listing.training.filter((c) => !byCase.has(c.id)).map((c) => c.id);
  if (missing.length > 0) {
    throw new NodeError('FINGERPRINT_MISSING_CASES', `no case fingerprint for ${missing.length} case(s): ${missing.slice(0, 5).join(', ')}`, { node: ctx.actionId });
  }
  const dirs = listing.training.map((c) => byCase.get(c.id)!);
  const cases = dirs.map((d) => JSON.parse(readFileSync(join(d, CASE_FILE), 'utf8')) as CaseFingerprint);
  const numChannels = Object.keys(channelNames(ds)).length;
  ctx.progress({ done: 0, total: numChannels, message: 'sampling foreground intensities' });
  const fp = aggregateFingerprint(cases, numChannels,
    (i, c) => decodeNpy(readFileSync(join(dirs[i], foregroundFile(c))), foregroundFile(c)).data as Float32Array,
    ctx.params.total_foreground_samples);
  await writeFile(join(ctx.outDir, FINGERPRINT_FILE), fingerprintJson(fp));
  await writeFile(join(ctx.outDir, 'dataset.json'), dsText);
  await writeFile(join(ctx.outDir, DATASET_NAME_FILE), listing.name);
  return { metrics: { cases: cases.length, median_relative_size_after_cropping: fp.median_relative_size_after_cropping } };
}

export const fingerprint: NodeKind<FingerprintParams> = {
  kind: 'fingerprint',
  version: '1',
  description: "nnU-Net's dataset_fingerprint.json from the per-case fingerprints",
  params: paramsSchema,
  run,
};
