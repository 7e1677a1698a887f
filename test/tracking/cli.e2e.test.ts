/**
 * The tracking commands on real node kinds: `nnunet run` of dataset, case fingerprints and split over a generated folder,
 * `nnunet reproduce` into a fresh store (every output bit-identical), `nnunet runs compare` across a param change.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns } from '../../src/engine/index.js';
import { cli } from '../engine/cli-harness.js';
import { writeDataset } from '../planning/synthetic.js';

const root = mkdtempSync(join(tmpdir(), 'nnunet-tracking-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'Dataset011_Track');
const pipeline = join(root, 'plan.yaml');
const runs = join(root, 'runs');
const store = join(root, 'store');

describe('reproduce and runs compare', () => {
  it('reproduces a run bit-identically and compares two runs', async () => {
    await writeDataset(data, [{ id: 'c1', shape: [10, 12, 14] }, { id: 'c2', shape: [10, 12, 12] }, { id: 'c3', shape: [10, 10, 14] }]);
    writeFileSync(pipeline, `version: 1
name: track
params: { dataset: ${data}, folds: 2 }
nodes:
  dataset: { uses: dataset, with: { path: \${params.dataset} } }
  case_fingerprint: { uses: case-fingerprint, needs: [dataset], foreach: dataset }
  split: { uses: split, needs: [dataset], with: { folds: \${params.folds} } }
`);
    const base = ['--store', store, '--runs-dir', runs];
    expect((await cli([...base, 'run', pipeline, '-q', '--name', 'two-folds'])).code).toBe(0);
    const [first] = await listRuns(runs);

    const fresh = join(root, 'fresh');
    const rep = await cli(['--store', fresh, '--runs-dir', runs, 'reproduce', first.id, '-q']);
    expect(rep.code, rep.err).toBe(0);
    expect(rep.out).toContain(`reproduced ${first.id} as `);
    expect(rep.out).toContain('bit-identical outputs: 5 of 5 actions');
    expect(rep.out).toContain('metrics: all equal');
    expect(rep.out).toContain(fresh);
    expect((await cli(['--store', fresh, '--runs-dir', runs, 'reproduce', first.id, '-q'])).err).toContain('REPRODUCE_STORE_NOT_FRESH');

    expect((await cli([...base, 'run', pipeline, '-q', '--set', 'folds=3'])).code).toBe(0);
    const last = (await listRuns(runs)).at(-1)!;
    const md = await cli([...base, 'runs', 'compare', first.id, last.id]);
    expect(md.code, md.err).toBe(0);
    expect(md.out).toContain(`| param | folds | 2 | 3 |`);
    expect(md.out).not.toContain('| param | dataset');
    const json = JSON.parse((await cli([...base, 'runs', 'compare', first.id, last.id, '--format', 'json'])).out);
    expect(json.runs.map((r: { name?: string }) => r.name)).toEqual(['two-folds', undefined]);
    expect((await cli([...base, 'runs', 'compare', first.id, last.id, '--format', 'csv'])).out.split('\n')).toContain('param,folds,2,3');
  });
});
