/**
 * Dataset validation (spec §1): dataset.json against schemas/dataset.schema.json and its label rules, the folder
 * layout (cases found, numTraining, labels without images, test-case channels, case ids), then every training
 * case - channels present and agreeing in geometry, label present, same shape, declared integer values only.
 * Every problem is collected; the node throws them together. Problems in dataset.json say file:line:column.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import type { Issue } from '../../src/engine/errors.js';
import { readImage, readSegmentation, readerWriterOverride, readerWriterProblem, tiffSpacingFile, type Volume } from '../../src/imaging/index.js';
import { locateJson, type JsonLocator } from '../../src/util/json-position.js';
import { channelNames, type CaseFiles, type DatasetJson } from './format.js';
import { allowedLabelValues, labelIssues } from './labels.js';
import { isChannelFile, isFolder, type Discovered } from './discover.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/dataset.schema.json', import.meta.url), 'utf8'));
const validateSchema = new Ajv({ allErrors: true }).compile<DatasetJson>(schema);

const CHANNEL_KEYS = new Set(['channel_names', 'modality']);

/** Ajv's errors in the user's words: a missing key by name, one line per field, no anyOf/oneOf noise. */
function schemaIssues(errors: ErrorObject[], file: string): Issue[] {
  const out = new Map<string, string>();
  const channelsMissing = errors.some((e) => e.keyword === 'anyOf' && e.instancePath === '');
  if (channelsMissing) out.set('/channel_names', "missing required key 'channel_names' (or its legacy name 'modality')");
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    if (e.keyword === 'required') {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      if (!(channelsMissing && e.instancePath === '' && CHANNEL_KEYS.has(key))) out.set(`${e.instancePath}/${key}`, `missing required key '${key}'`);
      continue;
    }
    const path = e.instancePath;
    const labelValue = /^\/labels\/[^/]+(\/\d+)?$/.test(path);
    const tooFewLabels = path === '/labels' && e.keyword === 'minProperties';
    out.set(path, labelValue ? 'a label value must be an integer >= 0, or a list of them (a region)'
      : tooFewLabels ? 'needs "background": 0 and at least one foreground label' : `must ${e.message?.replace(/^must /, '')}`);
  }
  return [...out].map(([path, message]) => ({ code: 'DATASET_JSON_SCHEMA', file, path, message }));
}

/** The JSON pointer as keys (`/dataset/case a` -> ['dataset', 'case a']). */
const keysOf = (pointer: string) => pointer.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));

/** Positions in `file`, or null when it cannot be read (the plan node may name one that is gone by now). */
function locatorFor(file: string): JsonLocator | null {
  try {
    return locateJson(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Gives every issue about `file` that has a JSON pointer its line and column, and a message that says
 * `file:line:col: /path: ...` on its own (a failed run keeps only the message text).
 */
export function placeIssues(issues: Issue[], file: string): Issue[] {
  const loc = issues.some((i) => i.file === file && i.path !== undefined) ? locatorFor(file) : null;
  if (!loc) return issues;
  return issues.map((i) => {
    if (i.file !== file || i.path === undefined || i.line !== undefined) return i;
    const { line, column } = loc.at(keysOf(i.path));
    return { ...i, line, column, message: `${file}:${line}:${column}: ${i.path || '/'}: ${i.message}` };
  });
}

/** Keys written twice in one object: JSON.parse keeps the last silently, so a case or label would vanish. */
function duplicateKeyIssues(file: string): Issue[] {
  return (locatorFor(file)?.duplicateKeys ?? []).map(({ key, line, column }) => ({
    code: 'DATASET_JSON_DUPLICATE_KEY', file, line, column,
    message: `${file}:${line}:${column}: key '${key}' appears more than once in the same object (JSON keeps only the last one)`,
  }));
}

/** Label rules need a well-typed `labels`; they run even when other keys are wrong, so all problems come out. */
const labelsWellTyped = (value: unknown): value is { labels: DatasetJson['labels'] } => {
  const labels = (value as { labels?: unknown } | null)?.labels;
  const int = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
  return labels !== null && typeof labels === 'object' && !Array.isArray(labels) && 'background' in labels &&
    Object.values(labels).every((v) => int(v) || (Array.isArray(v) && v.length > 0 && v.every(int)));
};

/**
 * nnU-Net falls back to the file ending on a class name it cannot find (a warning at most): a misspelt
 * NibabelIOWithReorient would silently train on unreoriented arrays, so here it is an error.
 */
function readerWriterIssues(value: unknown, file: string): Issue[] {
  const { overwrite_image_reader_writer: name, file_ending: ending } = (value ?? {}) as Partial<DatasetJson>;
  const override = typeof name === 'string' ? readerWriterOverride(name) : undefined;
  const problem = override && typeof ending === 'string' ? readerWriterProblem(override, ending) : null;
  return problem ? [{ code: 'DATASET_READER_WRITER', file, path: '/overwrite_image_reader_writer', message: problem }] : [];
}

export function datasetJsonIssues(value: unknown, file: string): Issue[] {
  const issues = validateSchema(value) ? [] : schemaIssues(validateSchema.errors ?? [], file);
  if (labelsWellTyped(value)) issues.push(...labelIssues(value.labels, (value as { regions_class_order?: unknown }).regions_class_order, file));
  issues.push(...readerWriterIssues(value, file));
  return [...duplicateKeyIssues(file), ...placeIssues(issues, file)];
}

/**
 * Case ids name files and folders (preprocessed data, predictions): no whitespace, slashes or control characters,
 * not `.` or `..`, and short enough that `<id>_seg.npy` fits a file name.
 */
// eslint-disable-next-line no-control-regex
const BAD_ID = /[\s/\\\x00-\x1f\x7f]|^$|^\.\.?$|^.{201,}$/;

/** No training case in imagesTr: say why (no folder, empty, or files with another ending than file_ending). */
function noCasesIssue(imagesTr: string, ending: string, file: string): Issue {
  const files = isFolder(imagesTr) ? readdirSync(imagesTr) : [];
  const endings = [...new Set(files.map((f) => /(\.[A-Za-z]+)+$/.exec(f)?.[0]).filter(Boolean))];
  const why = !existsSync(imagesTr) ? `${imagesTr} does not exist` : !isFolder(imagesTr) ? `${imagesTr} is a file, not a folder`
    : files.length === 0 ? `${imagesTr} is empty`
      : `${imagesTr} has no files ending in file_ending "${ending}" (its files end in ${endings.join(', ')})`;
  return { code: 'DATASET_NO_CASES', file, path: files.length > 0 ? '/file_ending' : undefined, message: `no training cases: ${why}` };
}

/** Files with the ending but no `_XXXX` channel suffix: they belong to no case. */
function misnamedIssues(folder: string, ending: string): Issue[] {
  const misnamed = isFolder(folder) ? readdirSync(folder).filter((f) => f.endsWith(ending) && !isChannelFile(f, ending)) : [];
  return misnamed.map((f) => ({ code: 'DATASET_BAD_FILE_NAME', file: join(folder, f),
    message: `${join(folder, f)}: an image file must be named <case>_XXXX${ending} (XXXX: the 4-digit channel number)` }));
}

/** labelsTr files whose case has no images (nnU-Net ignores them silently; they are usually a naming slip). */
function orphanLabelIssues(root: string, training: CaseFiles[], ending: string): Issue[] {
  const ids = new Set(training.map((c) => c.id));
  const labelsTr = join(root, 'labelsTr');
  // hidden files (macOS `._x` companions) are no one's labels
  const labels = isFolder(labelsTr) ? readdirSync(labelsTr).filter((f) => f.endsWith(ending) && !f.startsWith('.')) : [];
  return labels.filter((f) => !ids.has(f.slice(0, f.length - ending.length))).map((f) => {
    const id = f.slice(0, f.length - ending.length);
    return { code: 'DATASET_ORPHAN_LABEL', item: id, file: join(labelsTr, f),
      message: `label ${join(labelsTr, f)} has no image files (${join(root, 'imagesTr', `${id}_0000${ending}`)} ...): case ${id} is not a training case` };
  });
}

/** Checks of the folder layout that need no image read: cases found, numTraining, file names, ids, stray labels, test cases. */
export function layoutIssues(root: string, ds: DatasetJson, found: Discovered, file: string): Issue[] {
  const issues: Issue[] = [];
  const ending = ds.file_ending;
  const folders = ds.dataset === undefined;
  const imagesTr = join(root, 'imagesTr');
  if (found.training.length === 0 && folders) {
    issues.push(noCasesIssue(imagesTr, ending, file));
  } else if (found.training.length !== ds.numTraining) {
    const others = folders ? readdirSync(imagesTr).filter((f) => !f.endsWith(ending) && !f.startsWith('.')) : [];
    const hint = others.length > 0 ? ` (imagesTr also holds ${others.length} file(s) not ending in "${ending}": ${others.slice(0, 3).join(', ')})` : '';
    issues.push({ code: 'DATASET_NUM_TRAINING', file, path: '/numTraining',
      message: `numTraining is ${ds.numTraining} but ${found.training.length} training case(s) were found${hint}` });
  }
  const ids = new Set(found.training.map((c) => c.id));
  for (const c of [...found.training, ...found.test]) {
    const at = folders ? undefined : `/dataset/${c.id.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const shown = JSON.stringify(c.id.slice(0, 80)).slice(1, -1);
    if (BAD_ID.test(c.id)) {
      issues.push({ code: 'DATASET_CASE_ID', file, item: c.id, path: at,
        message: `case id '${shown}' must not be empty, '.' or '..', longer than 200 characters, or hold spaces, slashes or control characters (ids become file names)` });
    } else if (c.id.endsWith('_seg') && ids.has(c.id.slice(0, -4)) && ids.has(c.id)) {
      // preprocessing writes <id>.npy and <id>_seg.npy: this case's image would overwrite the other's segmentation
      issues.push({ code: 'DATASET_CASE_ID', file, item: c.id, path: at,
        message: `case id '${shown}' clashes with case '${c.id.slice(0, -4)}': its preprocessed image ${c.id}.npy would be that case's segmentation file` });
    }
  }
  if (folders) {
    issues.push(...misnamedIssues(imagesTr, ending), ...misnamedIssues(join(root, 'imagesTs'), ending));
    // with no training case at all every label would be a stray one: the missing images are the one problem
    if (found.training.length > 0) issues.push(...orphanLabelIssues(root, found.training, ending));
    // a test case needs the channel files a training case has (one RGB .png holds three channels, say)
    const pattern = found.training[0] ? found.training[0].images.map((f) => channelIndex(f, ds.file_ending)) : undefined;
    for (const c of found.test) issues.push(...channelNameIssues(c, ds, 'test case', pattern));
  }
  return placeIssues(issues, file);
}

const channelIndex = (file: string, ending: string): number => Number(basename(file).slice(-ending.length - 4, -ending.length));
const channelFileName = (id: string, index: number, ending: string): string => `${id}_${String(index).padStart(4, '0')}${ending}`;

/**
 * Channel files of the folder layout, by name only: no index at or beyond the declared channel count, and (when
 * given, for test cases) the indices a training case has. Whether the files hold every channel needs the images:
 * one file can hold several (an RGB .png, a 4D NIfTI), as nnU-Net's readers allow; `caseIssues` counts them.
 */
function channelNameIssues(c: CaseFiles, ds: DatasetJson, what: string, expectedIndices?: readonly number[]): Issue[] {
  const nChannels = Object.keys(channelNames(ds)).length;
  const folder = c.images.length > 0 ? c.images[0].slice(0, -basename(c.images[0]).length) : '';
  const present = c.images.map((f) => channelIndex(f, ds.file_ending));
  const issues: Issue[] = [];
  for (const index of expectedIndices ?? []) {
    if (present.includes(index)) continue;
    const name = folder + channelFileName(c.id, index, ds.file_ending);
    issues.push({ code: 'DATASET_MISSING_CHANNEL', item: c.id, file: name, message: `${what} ${c.id}: missing channel file ${name}` });
  }
  for (const [k, index] of present.entries()) {
    if (index < nChannels) continue;
    issues.push({ code: 'DATASET_EXTRA_CHANNEL', item: c.id, file: c.images[k],
      message: `${what} ${c.id}: unexpected channel file ${c.images[k]} (dataset.json declares ${nChannels} channel(s))` });
  }
  return issues;
}

/**
 * The channels a case's files hold against dataset.json's count (nnU-Net stacks every file's channels). With one
 * channel per file, what is missing is named as the files that would complete the case.
 */
function channelCountIssues(c: CaseFiles, ds: DatasetJson, read: ReadonlyArray<{ file: string; channels: number }>, allRead: boolean): Issue[] {
  const nChannels = Object.keys(channelNames(ds)).length;
  const total = read.reduce((n, r) => n + r.channels, 0);
  if (!allRead || total === nChannels) return [];
  const packed = read.filter((r) => r.channels > 1);
  if (total < nChannels && packed.length === 0 && ds.dataset === undefined) {
    const folder = c.images.length > 0 ? c.images[0].slice(0, -basename(c.images[0]).length) : '';
    const present = new Set(c.images.map((f) => channelIndex(f, ds.file_ending)));
    const missing = Array.from({ length: nChannels }, (_, i) => i).filter((i) => !present.has(i)).slice(0, nChannels - total);
    return missing.map((i) => {
      const name = folder + channelFileName(c.id, i, ds.file_ending);
      return { code: 'DATASET_MISSING_CHANNEL', item: c.id, file: name, message: `case ${c.id}: missing channel file ${name}` };
    });
  }
  const detail = read.map((r) => `${r.file}: ${r.channels}`).join(', ');
  return [{ code: 'DATASET_CHANNEL_COUNT', item: c.id, file: packed[0]?.file ?? read[0]?.file,
    message: `case ${c.id}: its image files hold ${total} channel(s) (${detail}), dataset.json declares ${nChannels}` }];
}

const sameList = (a: readonly number[], b: readonly number[], tol: number) =>
  a.length === b.length && a.every((v, i) => Math.abs(v - b[i]) <= tol);
const fmt = (xs: readonly number[]) => `[${xs.map((x) => Number(x.toFixed(6))).join(', ')}]`;

/** A reader error without the file name it starts with (the issue names the file itself), plus its code. */
function errorText(e: unknown, file: string): string {
  const err = e as { code?: string; message?: string };
  const message = String(err.message ?? e).replace(`${file}: `, '');
  return err.code ? `${message} [${err.code}]` : message;
}

/** Geometry checks between two volumes (a channel vs channel 0, or the label vs channel 0, named `refName`). */
function geometryIssues(ref: Volume, other: Volume, refName: string, code: string): string[] {
  const out: string[] = [];
  const differs = (what: string, a: readonly number[], b: readonly number[]) => out.push(`${what} ${fmt(b)} differs from ${refName}'s ${fmt(a)}`);
  if (!sameList(ref.shape, other.shape, 0)) differs('shape', ref.shape, other.shape);
  else {
    if (!sameList(ref.spacing, other.spacing, 1e-5 * Math.max(...ref.spacing))) differs('spacing', ref.spacing, other.spacing);
    if (code === 'DATASET_CHANNEL_GEOMETRY') {
      if (!sameList(ref.geometry.itkOrigin, other.geometry.itkOrigin, 1e-4)) differs('origin', ref.geometry.itkOrigin, other.geometry.itkOrigin);
      if (!sameList(ref.geometry.itkDirection, other.geometry.itkDirection, 1e-5)) differs('direction', ref.geometry.itkDirection, other.geometry.itkDirection);
    }
  }
  return out;
}

/** Values of `data` outside `allowed`, and fractional values (a lookup table keeps the per-voxel test cheap). */
function unexpectedValues(data: Float32Array, allowed: Set<number>): { undeclared: Set<number>; fractional: Set<number> } {
  const table = new Uint8Array(256);
  for (const v of allowed) if (v >= 0 && v < 256) table[v] = 1;
  const undeclared = new Set<number>();
  const fractional = new Set<number>();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v >= 0 && v < 256 && v === (v | 0) ? table[v] === 1 : allowed.has(v)) continue;
    (Number.isInteger(v) ? undeclared : fractional).add(v);
  }
  return { undeclared, fractional };
}

const someValues = (values: Set<number>) => `[${[...values].sort((a, b) => a - b).slice(0, 10).join(', ')}${values.size > 10 ? ', ...' : ''}]`;

/** 3D TIFFs take their spacing from a `<case>.json` beside them (1 x 1 x 1 without): say which one is missing. */
function tiffSpacingHint(image: string, label: string): string {
  const missing = [tiffSpacingFile(image, 'image'), tiffSpacingFile(label, 'label')].filter((f): f is string => f !== undefined && !existsSync(f));
  return missing.length ? ` (no spacing file ${missing.join(', ')}: a 3D TIFF without one has spacing 1 x 1 x 1, as in nnU-Net's Tiff3DIO)` : '';
}

/** Checks one training case; returns its issues (empty when fine). Messages name the case and the file. */
export async function caseIssues(c: CaseFiles, ds: DatasetJson): Promise<Issue[]> {
  const issues: Issue[] = [];
  const add = (code: string, file: string | undefined, reason: string) =>
    issues.push({ code, item: c.id, file, message: `case ${c.id}: ${file ? `${file}: ` : ''}${reason}` });
  const nChannels = Object.keys(channelNames(ds)).length;
  const viaDatasetKey = ds.dataset !== undefined;
  if (viaDatasetKey && c.images.length > nChannels) {
    add('DATASET_CHANNEL_COUNT', c.images[0], `${c.images.length} image file(s) listed, dataset.json declares ${nChannels} channel(s)`);
  }
  if (!viaDatasetKey) issues.push(...channelNameIssues(c, ds, 'case'));
  const volumes: Array<{ file: string; vol: Volume }> = [];
  let allRead = true;
  for (const file of c.images) {
    if (!existsSync(file)) {
      allRead = false;
      if (viaDatasetKey) add('DATASET_MISSING_CHANNEL', file, 'missing image file');
      continue;
    }
    try {
      volumes.push({ file, vol: await readImage([file]) });
    } catch (e) {
      allRead = false;
      add('DATASET_UNREADABLE', file, `cannot read: ${errorText(e, file)}`);
    }
  }
  issues.push(...channelCountIssues(c, ds, volumes.map(({ file, vol }) => ({ file, channels: vol.channels })), allRead));
  const ref = volumes[0];
  for (const { file, vol } of volumes.slice(1)) {
    for (const r of geometryIssues(ref.vol, vol, basename(ref.file), 'DATASET_CHANNEL_GEOMETRY')) add('DATASET_CHANNEL_GEOMETRY', file, r);
  }
  if (!c.label || !existsSync(c.label)) {
    add('DATASET_MISSING_LABEL', c.label, 'missing label file');
    return issues;
  }
  let seg: Volume<Float32Array>;
  try {
    seg = await readSegmentation(c.label);
  } catch (e) {
    add('DATASET_UNREADABLE', c.label, `cannot read: ${errorText(e, c.label)}`);
    return issues;
  }
  if (ref) {
    const hint = tiffSpacingHint(ref.file, c.label);
    for (const r of geometryIssues(ref.vol, seg, basename(ref.file), 'DATASET_LABEL_GEOMETRY')) add('DATASET_LABEL_GEOMETRY', c.label, r.startsWith('spacing') ? r + hint : r);
  }
  const { undeclared, fractional } = unexpectedValues(seg.data, allowedLabelValues(ds.labels));
  if (undeclared.size > 0) add('DATASET_UNDECLARED_LABELS', c.label, `label values ${someValues(undeclared)} are not declared in dataset.json labels`);
  if (fractional.size > 0) add('DATASET_NON_INTEGER_LABELS', c.label, `label values must be integers, found ${someValues(fractional)}`);
  return issues;
}
