import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { artifact, context } from '../../test/planning/context.js';
import { split } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'split-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const items = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, digest: 'x' }));
const inputs = { dataset: [artifact('dataset', root, items)] };

describe('split node', () => {
  it('writes splits_final.json as nnU-Net does (sorted keys, indent 4)', async () => {
    const out = mkdtempSync(join(root, 'o'));
    await split.run(context({ folds: 5, seed: 12345 }, out, inputs));
    const text = readFileSync(join(out, 'splits_final.json'), 'utf8');
    const folds = JSON.parse(text);
    expect(folds[0].val).toEqual(['c0', 'c7']);
    expect(text.startsWith('[\n    {\n        "train": [\n            "c1",')).toBe(true);
  });

  it('uses a user file as is, and reports every unknown case and overlap', async () => {
    const good = join(root, 'good.json');
    writeFileSync(good, JSON.stringify([{ train: ['c1', 'c2'], val: ['c3'] }]));
    const out = mkdtempSync(join(root, 'o'));
    await split.run(context({ folds: 5, seed: 12345, file: good }, out, inputs));
    expect(JSON.parse(readFileSync(join(out, 'splits_final.json'), 'utf8'))).toEqual([{ train: ['c1', 'c2'], val: ['c3'] }]);

    const bad = join(root, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ train: ['c1', 'zz'], val: ['c1', 'yy'] }]));
    const err = await split.run(context({ folds: 5, seed: 12345, file: bad }, out, inputs)).catch((e) => e);
    expect(err.code).toBe('SPLITS_INVALID');
    expect(err.issues.map((i: { code: string }) => i.code)).toEqual(['SPLITS_UNKNOWN_CASE', 'SPLITS_UNKNOWN_CASE', 'SPLITS_OVERLAP']);

    writeFileSync(bad, JSON.stringify({ train: [] }));
    const schemaErr = await split.run(context({ folds: 5, seed: 12345, file: bad }, out, inputs)).catch((e) => e);
    expect(schemaErr.code).toBe('SPLITS_INVALID');
    expect(schemaErr.issues[0].code).toBe('SPLITS_SCHEMA');
  });

  it('prefers the raw dataset folder’s splits_final.json (as nnU-Net copies it at planning)', async () => {
    const dsDir = mkdtempSync(join(root, 'ds'));
    writeFileSync(join(dsDir, 'cases.json'), JSON.stringify({ name: 'D', root: '/raw/Dataset001_D', file_ending: '.nii.gz', training: [], test: [] }));
    writeFileSync(join(dsDir, 'splits_final.json'), JSON.stringify([{ train: ['c0'], val: ['c9'] }]));
    const out = mkdtempSync(join(root, 'o'));
    const inputs = { dataset: [artifact('dataset', dsDir, items)] };
    await split.run(context({ folds: 5, seed: 12345 }, out, inputs));
    expect(JSON.parse(readFileSync(join(out, 'splits_final.json'), 'utf8'))).toEqual([{ train: ['c0'], val: ['c9'] }]);

    // errors name the user's file in the raw folder (with line:col), not the dataset artifact's copy
    writeFileSync(join(dsDir, 'splits_final.json'), '[\n  {"train": ["c0"],\n   "val": ["c9"],}\n]');
    const notJson = await split.run(context({ folds: 5, seed: 12345 }, out, inputs)).catch((e) => e);
    expect(notJson.code).toBe('SPLITS_UNREADABLE');
    expect(notJson.message).toMatch(/^\/raw\/Dataset001_D\/splits_final\.json:3:18: /);
    writeFileSync(join(dsDir, 'splits_final.json'), '[\n  {"train": ["c0", "zz"],\n   "val": ["c9"]}\n]');
    const unknown = await split.run(context({ folds: 5, seed: 12345 }, out, inputs)).catch((e) => e);
    expect(unknown.issues[0]).toMatchObject({ code: 'SPLITS_UNKNOWN_CASE', file: '/raw/Dataset001_D/splits_final.json', line: 2, column: 20, item: 'zz' });
    expect(unknown.message).toContain("/raw/Dataset001_D/splits_final.json:2:20: /0/train/1: fold 0 train: case 'zz' is not in the dataset");
  });

  it('refuses more folds than cases', async () => {
    const err = await split.run(context({ folds: 20, seed: 1 }, root, inputs)).catch((e) => e);
    expect(err.code).toBe('SPLITS_TOO_FEW_CASES');
  });
});
