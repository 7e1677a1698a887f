/**
 * Kind `dataset` (spec §1): a raw nnU-Net dataset folder, validated in full, listed as one item per training case
 * (digest over the case's file contents, and the reader/writer when dataset.json overrides it) so per-case nodes
 * fan out over it. Output: dataset.json (byte copy) and cases.json, plus the raw folder's splits_final.json when it
 * has one. A dataset that comes from an upstream `source` artifact also holds its case files (hard links, no copy),
 * so the output does not depend on where the store is.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { NnunetError, NodeError, hashFile, digestJson, type ActionContext, type Issue, type Item, type NodeKind } from '../../src/engine/index.js';
import type { CaseListing, DatasetJson } from './format.js';
import { discoverCases } from './discover.js';
import { paramsSchema, type DatasetParams } from './params.js';
import { caseIssues, datasetJsonIssues, layoutIssues } from './validate.js';
import { readJsonFileAs } from '../../src/util/json-file.js';
import { linkOrCopy } from '../../src/util/link-or-copy.js';
import { readerWriterOverride } from '../../src/imaging/io/reader-writer.js';
import { CASES_FILE, insideRoot, storedListing } from './listing.js';
import { readSplitsFile } from '../split/splits-file.js';

export const SPLITS_FILE = 'splits_final.json';

/** Invalid raw data: `issues` lists every problem, each with its case (`item`), file and reason. */
export class DatasetError extends NodeError {}

/** The raw folder, and whether it is an upstream artifact (whose path depends on the store) rather than a user folder. */
function datasetRoot(ctx: ActionContext<DatasetParams>): { root: string; fromSource: boolean } {
  const source = ctx.inputs.source;
  if (ctx.params.path && source?.length) {
    throw new DatasetError('DATASET_TWO_SOURCES', 'give the dataset either as `path` or as a `source` need, not both', {});
  }
  if (ctx.params.path) return { root: resolve(ctx.params.path), fromSource: false };
  if (source?.length === 1) return { root: source[0].dir, fromSource: true };
  throw new DatasetError('DATASET_NO_SOURCE', 'the dataset node has no dataset: give `with: { path: <raw dataset folder> }` '
    + '(pipelines/nnunet.yaml: --set dataset=<raw dataset folder>) or one `source` need', {});
}

const fail = (message: string, issues: Issue[], file?: string): never => {
  const shown = issues.slice(0, 20).map((i) => `  - ${i.message}`).join('\n');
  const more = issues.length > 20 ? `\n  ... and ${issues.length - 20} more` : '';
  throw new DatasetError('DATASET_INVALID', `${message}\n${shown}${more}`, { file }, { issues });
};

/** Who validated a listing: results of an older validator are not trusted. */
const VALIDATOR = 'dataset@2';
/** Paths as cases.json stores them (relative to the root), so a source artifact in another place still matches. */
const caseKey = (id: string, files: string[], digest: string) => JSON.stringify([id, files, digest]);

/**
 * Cases the last run of this action validated under the same dataset.json, keyed by id, files and content
 * digest: a new or edited case is checked, the unchanged ones are not read again.
 */
async function previouslyValid(ctx: ActionContext<DatasetParams>, datasetJsonText: string): Promise<Set<string>> {
  const prev = ctx.previous?.dir;
  if (!prev || !existsSync(join(prev, CASES_FILE)) || !existsSync(join(prev, 'dataset.json'))) return new Set();
  if ((await readFile(join(prev, 'dataset.json'), 'utf8')) !== datasetJsonText) return new Set();
  // the stored form: paths relative to the root, as `caseKey` wants them
  const listing = JSON.parse(await readFile(join(prev, CASES_FILE), 'utf8')) as CaseListing;
  if (listing.validator !== VALIDATOR) return new Set();
  return new Set(listing.training.map((c) => caseKey(c.id, [...c.images, c.label], c.digest)));
}

/** A raw splits_final.json is checked with the dataset (nnU-Net trains with it), not first when a split runs. */
async function splitsIssues(file: string, caseIds: string[]): Promise<Issue[]> {
  try {
    await readSplitsFile(file, caseIds);
    return [];
  } catch (err) {
    if (!(err instanceof NnunetError)) throw err;
    return err.issues.length > 0 ? err.issues : [{ code: err.code, file, message: err.message }];
  }
}

/** Hard-links a source artifact's case files into the output (a copy across file systems): same layout below root. */
async function linkCaseFiles(root: string, outDir: string, files: string[]): Promise<void> {
  for (const f of files) {
    const rel = insideRoot(root, f);
    if (rel === null) continue;
    const to = join(outDir, rel);
    await mkdir(dirname(to), { recursive: true });
    await linkOrCopy(f, to);
  }
}

async function run(ctx: ActionContext<DatasetParams>) {
  const { root, fromSource } = datasetRoot(ctx);
  const jsonFile = join(root, 'dataset.json');
  const { text: raw, value } = await readJsonFileAs(jsonFile, { what: 'dataset.json', nonFinite: 'null' }, { error: DatasetError, code: 'DATASET_JSON_UNREADABLE' });
  const ds = value as DatasetJson;
  const jsonIssues = datasetJsonIssues(ds, jsonFile);
  // a file of the wrong shape cannot be used to find cases; semantic problems (labels, regions, reader) leave the
  // cases checkable, so they are reported together with the cases' problems in one run
  if (jsonIssues.some((i) => i.code === 'DATASET_JSON_SCHEMA' || i.code === 'DATASET_JSON_DUPLICATE_KEY')) {
    fail(`${jsonFile}: invalid dataset.json`, jsonIssues, jsonFile);
  }

  const readerWriter = readerWriterOverride(ds.overwrite_image_reader_writer);
  const { training, test } = discoverCases(root, ds);
  const issues: Issue[] = [...jsonIssues, ...layoutIssues(root, ds, { training, test }, jsonFile)];
  const items: Item[] = [];
  const listed: CaseListing['training'] = [];
  const known = await previouslyValid(ctx, raw);
  for (const [i, c] of training.entries()) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    ctx.progress({ done: i, total: training.length, message: `checking ${c.id}` });
    const files = [...c.images, c.label!];
    let digest = files.every((f) => f && existsSync(f) && statSync(f).isFile()) ? digestJson(await Promise.all(files.map((f) => hashFile(f)))) : undefined;
    if (!digest || !known.has(caseKey(c.id, files.map((f) => insideRoot(root, f) ?? f), digest))) {
      const found = await caseIssues(c, ds);
      issues.push(...found);
      if (found.length > 0) continue;
      digest ??= digestJson(await Promise.all(files.map((f) => hashFile(f))));
    }
    listed.push({ ...c, label: c.label!, digest });
    // only an override changes what a case reads as, so only then does the item (and what is keyed on it) change
    items.push(readerWriter
      ? { id: c.id, digest: digestJson([digest, readerWriter]), data: { images: c.images, label: c.label!, reader_writer: readerWriter } }
      : { id: c.id, digest, data: { images: c.images, label: c.label! } });
  }
  if (existsSync(join(root, SPLITS_FILE))) issues.push(...await splitsIssues(join(root, SPLITS_FILE), training.map((c) => c.id)));
  if (issues.length > 0) fail(`${root}: ${issues.length} problem(s) in the dataset`, issues, jsonFile);

  const listing: CaseListing = {
    // a `source` artifact's folder name is a digest: fall back to dataset.json's own name
    name: ctx.params.name ?? (fromSource ? (typeof ds.name === 'string' ? ds.name : 'Dataset') : basename(root)),
    validator: VALIDATOR,
    root,
    file_ending: ds.file_ending,
    training: listed,
    test,
  };
  await writeFile(join(ctx.outDir, 'dataset.json'), raw);
  // nnU-Net copies a raw splits_final.json into the preprocessed folder and trains with it
  if (existsSync(join(root, SPLITS_FILE))) await copyFile(join(root, SPLITS_FILE), join(ctx.outDir, SPLITS_FILE));
  if (fromSource) {
    await linkCaseFiles(root, ctx.outDir, [...listed, ...test].flatMap((c) => [...c.images, ...(c.label ? [c.label] : [])]));
  }
  await writeFile(join(ctx.outDir, CASES_FILE), JSON.stringify(storedListing(listing, root, fromSource ? '.' : root), null, 2));
  ctx.progress({ done: training.length, total: training.length });
  return { items, itemLabel: 'case', metrics: { training_cases: listed.length, test_cases: test.length } };
}

export const dataset: NodeKind<DatasetParams> = {
  kind: 'dataset',
  version: VALIDATOR.split('@')[1],
  description: 'nnU-Net raw dataset folder: validated dataset.json and cases, one item per training case',
  params: paramsSchema,
  inputs: { source: { description: 'a dataset folder another node wrote (instead of the path param)' } },
  // bookkeeping: under a cluster executor it runs in the driver, never as a job
  resources: { light: true },
  externalInputs: (p) => (p.path ? [p.path] : []),
  run,
};
