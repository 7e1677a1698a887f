import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticCase } from '../../../test/data/synthetic-cases.js';
import { CaseCache, loadCase } from './case-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nnunet-cases-'));
  for (const id of ['a', 'b']) await writeSyntheticCase(dir, id, 0, { shape: [6, 6, 6] });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadCase', () => {
  it('reads data, seg and class locations', async () => {
    const c = await loadCase({ id: 'a', dir });
    expect(c.dataShape).toEqual([1, 6, 6, 6]);
    expect(c.segShape).toEqual([1, 6, 6, 6]);
    expect(c.locations.map((l) => l.key)).toEqual(['1', '2']);
  });

  it('names the properties file when it is not JSON or lacks class_locations', async () => {
    await writeFile(join(dir, 'b.json'), '{ nope');
    await expect(loadCase({ id: 'b', dir })).rejects.toMatchObject({ code: 'DATA_CASE_INVALID', context: { file: join(dir, 'b.json'), item: 'b' } });
    await writeFile(join(dir, 'b.json'), '{"spacing": [1, 1, 1]}');
    await expect(loadCase({ id: 'b', dir })).rejects.toThrow(/class_locations/);
  });
});

describe('CaseCache', () => {
  it('returns the cached case and evicts the oldest beyond its budget', async () => {
    const oneCase = 6 * 6 * 6 * (4 + 2);
    const cache = new CaseCache(oneCase);
    const a1 = await cache.get({ id: 'a', dir });
    expect(await cache.get({ id: 'a', dir })).toBe(a1);
    await writeSyntheticCase(dir, 'b', 1, { shape: [6, 6, 6] });
    await cache.get({ id: 'b', dir });
    expect(await cache.get({ id: 'a', dir })).not.toBe(a1);
  });
});
