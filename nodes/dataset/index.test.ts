import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/imaging/index.js';
import { artifact, context } from '../../test/planning/context.js';
import { caseVolumes, volume, writeDataset } from '../../test/planning/synthetic.js';
import { dataset } from './index.js';
import type { CaseListing } from './format.js';
import { readCaseListing } from './listing.js';

const root = mkdtempSync(join(tmpdir(), 'ds-'));
const good = join(root, 'Dataset001_Good');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  await writeDataset(good, [{ id: 'b_002', shape: [6, 7, 8] }, { id: 'a_001', shape: [5, 6, 7] }, { id: 'c_003', shape: [6, 6, 6] }],
    { channels: ['T1', 'T2'] });
});

let copies = 0;
function copyGood(): string {
  const dir = join(root, `copy${copies++}`);
  cpSync(good, dir, { recursive: true });
  return dir;
}
const runOn = (path: string) => dataset.run(context({ path }, mkdtempSync(join(root, 'out-'))));
const failure = async (path: string) => {
  const err = await runOn(path).catch((e) => e);
  expect(err?.code).toBe('DATASET_INVALID');
  return err as { issues: Array<{ code: string; item?: string; file?: string; message: string }> };
};

describe('dataset node', () => {
  it('says what labels needs when only background is declared', async () => {
    const dir = copyGood();
    const ds = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...ds, labels: { background: 0 } }));
    const err = await failure(dir);
    expect(err.issues.map((i) => i.message)).toContainEqual(expect.stringContaining('/labels: needs "background": 0 and at least one foreground label'));
  });

  it('names the file, line and column of a dataset.json that is not JSON', async () => {
    const dir = copyGood();
    writeFileSync(join(dir, 'dataset.json'), '{\n  "channel_names": {"0": "T1"},\n  "numTraining": 3,\n}\n');
    const err = await runOn(dir).catch((e) => e);
    expect(err?.code).toBe('DATASET_JSON_UNREADABLE');
    expect(err?.context).toMatchObject({ file: join(dir, 'dataset.json'), line: 4, column: 1 });
    expect(err?.message).toContain(`${join(dir, 'dataset.json')}:4:1`);
  });

  it('lists cases sorted, with content digests, and writes dataset.json + cases.json', async () => {
    const out = mkdtempSync(join(root, 'out-'));
    const res = await dataset.run(context({ path: good }, out));
    expect(res?.itemLabel).toBe('case');
    expect(res?.items?.map((i) => i.id)).toEqual(['a_001', 'b_002', 'c_003']);
    expect(res?.items?.[0].data).toEqual({ images: [join(good, 'imagesTr/a_001_0000.nii.gz'), join(good, 'imagesTr/a_001_0001.nii.gz')],
      label: join(good, 'labelsTr/a_001.nii.gz') });
    expect(readFileSync(join(out, 'dataset.json'), 'utf8')).toBe(readFileSync(join(good, 'dataset.json'), 'utf8'));
    const listing = JSON.parse(readFileSync(join(out, 'cases.json'), 'utf8')) as CaseListing;
    expect(listing.name).toBe('Dataset001_Good');
    expect(listing.training.map((c) => c.digest)).toEqual(res?.items?.map((i) => i.digest));
    // the digest is over contents: same bytes elsewhere, same digest
    const again = await dataset.run(context({ path: copyGood() }, mkdtempSync(join(root, 'out-'))));
    expect(again?.items?.map((i) => i.digest)).toEqual(res?.items?.map((i) => i.digest));
  });

  it('re-checks only new or changed cases when the previous output has the same dataset.json', async () => {
    const dir = copyGood();
    const first = mkdtempSync(join(root, 'out-'));
    await dataset.run(context({ path: dir }, first));
    // a case that would fail validation but whose files are unchanged since the last (valid) run is not re-read:
    // simulate by recording the current bad file's digest as previously valid
    const bad = new Uint8Array(6 * 7 * 8);
    bad[0] = 9;
    await writeImage(join(dir, 'labelsTr/b_002.nii.gz'), volume(bad, [6, 7, 8], [1, 1, 1]));
    const fresh = await failure(dir);
    expect(fresh.issues.map((i) => i.code)).toEqual(['DATASET_UNDECLARED_LABELS']);
    const listing = JSON.parse(readFileSync(join(first, 'cases.json'), 'utf8')) as CaseListing;
    const { hashFile, digestJson } = await import('../../src/engine/index.js');
    const b = listing.training.find((c) => c.id === 'b_002')!;
    b.digest = digestJson(await Promise.all([...b.images, b.label].map((f) => hashFile(join(listing.root, f)))));
    writeFileSync(join(first, 'cases.json'), JSON.stringify(listing));
    const ctx = { ...context({ path: dir }, mkdtempSync(join(root, 'out-'))), previous: { digest: 'x', dir: first } };
    const res = await dataset.run(ctx);
    expect(res?.items?.find((i) => i.id === 'b_002')?.digest).toBe(b.digest);
    // a changed dataset.json invalidates what was known
    writeFileSync(join(dir, 'dataset.json'), `${readFileSync(join(dir, 'dataset.json'), 'utf8')}\n`);
    const again = await dataset.run({ ...ctx, outDir: mkdtempSync(join(root, 'out-')) }).catch((e) => e);
    expect(again.code).toBe('DATASET_INVALID');
  });

  it('accepts the dataset as a `source` need, with an output that does not depend on where the source is', async () => {
    const out = mkdtempSync(join(root, 'out-'));
    const res = await dataset.run(context({}, out, { source: [artifact('gen', good)] }));
    expect(res?.items).toHaveLength(3);
    const text = readFileSync(join(out, 'cases.json'), 'utf8');
    expect(JSON.parse(text).name).toBe('Dataset');
    expect(text).not.toContain(good);
    // the case files travel with the output: readers find them below the artifact
    const listing = await readCaseListing(out);
    expect(listing.root).toBe(out);
    expect(listing.training[0].images[0]).toBe(join(out, 'imagesTr/a_001_0000.nii.gz'));
    expect(readFileSync(listing.training[0].label)).toEqual(readFileSync(join(good, 'labelsTr/a_001.nii.gz')));
    // the same source bytes in another folder (another store) give the same output bytes
    const elsewhere = mkdtempSync(join(root, 'out-'));
    await dataset.run(context({}, elsewhere, { source: [artifact('gen', copyGood())] }));
    expect(readFileSync(join(elsewhere, 'cases.json'), 'utf8')).toBe(text);
  });

  it('stores paths of a raw folder relative to it and gives them back absolute', async () => {
    const out = mkdtempSync(join(root, 'out-'));
    await dataset.run(context({ path: good }, out));
    const stored = JSON.parse(readFileSync(join(out, 'cases.json'), 'utf8')) as CaseListing;
    expect(stored.root).toBe(good);
    expect(stored.training[0].label).toBe('labelsTr/a_001.nii.gz');
    expect((await readCaseListing(out)).training[0].label).toBe(join(good, 'labelsTr/a_001.nii.gz'));
  });

  it('reports every problem at once, each with its case and exact code', async () => {
    const dir = copyGood();
    unlinkSync(join(dir, 'imagesTr/a_001_0001.nii.gz')); // missing channel
    unlinkSync(join(dir, 'labelsTr/b_002.nii.gz')); // missing label
    const c = caseVolumes([6, 6, 6], [1, 1, 1], 1, 0);
    await writeImage(join(dir, 'imagesTr/c_003_0001.nii.gz'), volume(c.image.data, [6, 6, 6], [2, 1, 1])); // channel spacing differs
    const { issues } = await failure(dir);
    expect(issues.map((i) => [i.code, i.item])).toEqual([
      ['DATASET_MISSING_CHANNEL', 'a_001'],
      ['DATASET_MISSING_LABEL', 'b_002'],
      ['DATASET_CHANNEL_GEOMETRY', 'c_003'],
    ]);
    expect(issues[0].message).toContain('a_001_0001.nii.gz');
  });

  it('label shape mismatch, undeclared label values, unreadable file, numTraining', async () => {
    const dir = copyGood();
    await writeImage(join(dir, 'labelsTr/a_001.nii.gz'), volume(new Uint8Array(5 * 6 * 6), [5, 6, 6], [1, 1, 1]));
    const bad = new Uint8Array(6 * 7 * 8);
    bad[3] = 7;
    bad[4] = 3;
    await writeImage(join(dir, 'labelsTr/b_002.nii.gz'), volume(bad, [6, 7, 8], [1, 1, 1]));
    writeFileSync(join(dir, 'imagesTr/c_003_0000.nii.gz'), 'not a nifti');
    const ds = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...ds, numTraining: 4 }));
    const { issues } = await failure(dir);
    expect(issues.map((i) => [i.code, i.item])).toEqual([
      ['DATASET_NUM_TRAINING', undefined],
      ['DATASET_LABEL_GEOMETRY', 'a_001'],
      ['DATASET_UNDECLARED_LABELS', 'b_002'],
      ['DATASET_UNREADABLE', 'c_003'],
    ]);
    expect(issues[2].message).toContain('[3, 7]');
  });

  it('dataset.json problems: schema and label rules, all listed', async () => {
    const dir = copyGood();
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels: { background: 0, a: 2, ignore: 5 }, file_ending: '.nii.gz' }));
    // a missing key does not hide the label rules: every problem in one go
    const schemaErr = await failure(dir);
    expect(schemaErr.issues.map((i) => i.code)).toEqual(['DATASET_JSON_SCHEMA', 'DATASET_LABELS_NOT_CONSECUTIVE', 'DATASET_IGNORE_LABEL']);
    expect(schemaErr.issues[0].message).toContain("missing required key 'numTraining'");
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ channel_names: { 0: 'CT' }, labels: { background: 0, a: 2, ignore: 5 }, numTraining: 3, file_ending: '.nii.gz' }));
    const { issues } = await failure(dir);
    // label rules leave the cases checkable: their problems (label values dataset.json does not declare) come too
    expect(issues.map((i) => i.code).slice(0, 2)).toEqual(['DATASET_LABELS_NOT_CONSECUTIVE', 'DATASET_IGNORE_LABEL']);
    expect(new Set(issues.slice(2).map((i) => i.item))).toEqual(new Set(['a_001', 'b_002', 'c_003']));
  });

  it('a reader/writer override: each item carries it and its digest changes; an unknown or unfit one is an error at its line', async () => {
    const dir = copyGood();
    const ds = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
    const plain = await runOn(dir);
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...ds, overwrite_image_reader_writer: 'None' }));
    expect(await runOn(dir)).toEqual(plain);
    writeFileSync(join(dir, 'dataset.json'), JSON.stringify({ ...ds, overwrite_image_reader_writer: 'NibabelIOWithReorient' }));
    const reoriented = await runOn(dir);
    expect(reoriented?.items?.map((i) => (i.data as { reader_writer?: string }).reader_writer)).toEqual(['NibabelIOWithReorient', 'NibabelIOWithReorient', 'NibabelIOWithReorient']);
    reoriented?.items?.forEach((item, k) => expect(item.digest).not.toBe(plain?.items?.[k].digest));

    const file = join(dir, 'dataset.json');
    writeFileSync(file, JSON.stringify({ ...ds, overwrite_image_reader_writer: 'NibabelIOWithReorent' }, null, 1));
    const lines = readFileSync(file, 'utf8').split('\n');
    const line = lines.findIndex((l) => l.includes('overwrite_image_reader_writer')) + 1;
    // the position of the value
    const column = lines[line - 1].indexOf('"NibabelIOWithReorent"') + 1;
    const unknown = await failure(dir);
    expect(unknown.issues).toMatchObject([{ code: 'DATASET_READER_WRITER', file, line, column }]);
    expect(unknown.issues[0].message).toBe(`${file}:${line}:${column}: /overwrite_image_reader_writer: unknown reader/writer 'NibabelIOWithReorent' `
      + '(accepted: NaturalImage2DIO, SimpleITKIO, Tiff3DIO, NibabelIO, NibabelIOWithReorient, or "None")');
    writeFileSync(file, JSON.stringify({ ...ds, overwrite_image_reader_writer: 'Tiff3DIO' }, null, 1));
    expect((await failure(dir)).issues[0].message).toContain("Tiff3DIO reads .tif .tiff files, not file_ending '.nii.gz'");
  });

  it('without path or source: a clear error', async () => {
    const err = await dataset.run(context({}, root)).catch((e) => e);
    expect(err.code).toBe('DATASET_NO_SOURCE');
  });
});
