/**
 * The broken-dataset corpus through the real CLI: every variant fails with a non-zero exit code, a message that
 * names the file / case / field, no stack trace, and every problem of a dataset at once; afterwards the store
 * still serves a good dataset's earlier results unchanged and `nnunet store verify` passes.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset } from '../../nodes/dataset/index.js';
import { cli } from '../engine/cli-harness.js';
import { context } from '../planning/context.js';
import { variants, writeGoodDataset, type Variant } from './corpus.js';

const root = mkdtempSync(join(tmpdir(), 'broken-'));
const good = join(root, 'Dataset001_Good');
const dirs = ['--store', join(root, 'store'), '--runs-dir', join(root, 'runs')];
afterAll(() => rmSync(root, { recursive: true, force: true }));

let goodPlanOutput = '';
beforeAll(async () => {
  await writeGoodDataset(good);
  // results already in the store before any broken input arrives: they must survive it untouched
  const first = await cli([...dirs, 'plan', good, '--out', join(root, 'plans-before'), '-q'], root);
  expect(first.code, first.err).toBe(0);
  goodPlanOutput = first.out;
});

const STACK_FRAME = /^\s+at /m;

/** Issues straight from the dataset node (the CLI shows their messages under one DATASET_INVALID). */
async function datasetIssues(dir: string): Promise<Array<{ code: string; message: string }>> {
  const err = await dataset.run(context({ path: dir }, mkdtempSync(join(root, 'out-')))).catch((e: unknown) => e) as
    { code?: string; message: string; issues?: Array<{ code: string; message: string }> } | undefined;
  if (!err?.code) return [];
  return err.issues?.length ? err.issues : [{ code: err.code, message: err.message }];
}

describe('broken datasets', () => {
  it('the corpus has at least 25 distinct variants', () => {
    expect(new Set(variants.map((v) => v.name)).size).toBe(variants.length);
    expect(variants.length).toBeGreaterThanOrEqual(25);
  });

  it.each(variants.map((v, i) => [v.name, v, i] as const))('%s', async (_name, v: Variant, i: number) => {
    const dir = join(root, `variant-${i}`);
    cpSync(good, dir, { recursive: true });
    await v.build(dir);
    const res = await cli([...dirs, 'plan', dir, '--out', join(root, `plans-${i}`), '-q'], root);
    const text = `${res.err}\n${res.out}`;
    expect(res.code, text).toBe(1); // a failed run (2 is for pipeline and usage errors, before anything runs)
    expect(res.err, 'the error goes to stderr').not.toBe('');
    expect(res.err).not.toMatch(STACK_FRAME);
    expect(res.out, 'library noise on stdout').not.toMatch(/Exception while running pipeline|libpng|TIFF\w+:/);
    for (const m of v.mentions) expect(text, text).toContain(m.replaceAll('<dir>', dir));
    for (const m of v.absent ?? []) expect(text, text).not.toContain(m);
    const issues = await datasetIssues(dir);
    for (const code of v.codes) expect(issues.map((x) => x.code), text).toContain(code);
    // Zod style: the one failed run lists every defect of the dataset
    for (const issue of issues) expect(text).toContain(issue.message);
  });

  it('pipeline input errors: a bad --set type, an unknown node kind, a cycle (exit 2, file:line:col)', async () => {
    const check = async (args: string[], mentions: string[], code: string) => {
      const res = await cli([...dirs, ...args], root);
      expect(res.code, res.err).toBe(2);
      expect(res.err).not.toMatch(STACK_FRAME);
      for (const m of [...mentions, `[${code}]`]) expect(res.err).toContain(m);
    };
    await check(['run', resolve('pipelines/nnunet.yaml'), '--set', `dataset=${good}`, '--set', 'train.epochs=abc'],
      ['nnunet.yaml:', '/nodes/train/with/epochs', 'must be integer'], 'PIPELINE_PARAMS');
    writeFileSync(join(root, 'kind.yaml'), 'version: 1\nname: k\nnodes:\n  dataset: { uses: dataset, with: { path: x } }\n  bad: { uses: no-such-kind, needs: [dataset] }\n');
    await check(['run', 'kind.yaml'], ['kind.yaml:5:16', '/nodes/bad/uses', "'no-such-kind'"], 'PIPELINE_UNKNOWN_KIND');
    writeFileSync(join(root, 'cycle.yaml'), 'version: 1\nname: c\nnodes:\n  a: { uses: split, needs: { dataset: b } }\n  b: { uses: dataset, needs: { source: a } }\n');
    await check(['run', 'cycle.yaml'], ['cycle.yaml:4:', 'a -> b -> a'], 'PIPELINE_CYCLE');
    // a plan flag's bad value is named as the flag, not as a path in the pipeline the command builds
    await check(['plan', good, '--out', join(root, 'p'), '--overwrite-target-spacing', '1', '2', '--planner', 'foo'],
      ['--planner: must be one of', '--overwrite-target-spacing: must have exactly 3 entries'], 'CLI_USAGE');
  });

  it('afterwards the good dataset still plans from the same store, nothing reruns, and the store verifies', async () => {
    const again = await cli([...dirs, 'plan', good, '--out', join(root, 'plans-after'), '-q'], root);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/succeeded in [\d.]+s: \d+ cached\n/);
    expect(again.out.split('\n').slice(0, 2)).toEqual(goodPlanOutput.split('\n').slice(0, 2));
    const verify = await cli([...dirs, 'store', 'verify'], root);
    expect(verify.code, verify.err + verify.out).toBe(0);
  });
});
