/**
 * The README's main job at a small budget, through the real CLI and every real node kind: the quickstart
 * pipeline runs end to end, a rerun executes nothing, `nnunet reproduce` in a fresh store gives bit-identical
 * outputs (seeded, CPU), and adding one case reruns only that case's per-case actions plus what truly depends
 * on them (early cutoff wherever an output's bytes do not change).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../src/engine/index.js';
import { cli } from './engine/cli-harness.js';

const PIPELINE = new URL('../pipelines/quickstart.yaml', import.meta.url).pathname;
const SMALL = ['--set', 'configurations=[3d_fullres]', '--set', 'folds=[0]', '--set', 'train.epochs=1',
  '--set', 'train.iterations_per_epoch=2', '--set', 'train.val_iterations=1', '-q'];

function lastRun(dir: string, out: string): RunRecord {
  const id = /run (\S+) (succeeded|failed|aborted)/.exec(out)?.[1];
  expect(id, out).toBeDefined();
  return JSON.parse(readFileSync(join(dir, 'runs', id!, 'run.json'), 'utf8')) as RunRecord;
}

const ran = (r: RunRecord): string[] => r.nodes.filter((n) => n.status === 'ran').map((n) => n.id).sort();

describe('quickstart pipeline (small budget)', () => {
  it('runs end to end, reproduces bit-identically, reruns nothing, and an added case reruns only its branch', { timeout: 900_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-quickstart-'));
    const first = await cli(['run', PIPELINE, '--set', 'cases=10', ...SMALL], dir);
    expect(first.code, first.out + first.err).toBe(0);
    const r1 = lastRun(dir, first.out);
    expect(r1.status).toBe('succeeded');
    expect(first.out).toMatch(/Cross-validation Dice/);
    expect(first.out).toMatch(/Chosen: nnUNetTrainer__nnUNetPlans__3d_fullres/);
    expect(first.out).toMatch(/npx nnunet predict -i .* -m /);
    for (const kind of ['train-fold', 'validate', 'evaluate', 'find-best', 'postprocess', 'export', 'predict']) {
      expect(r1.nodes.some((n) => n.kind === kind && n.status === 'ran'), kind).toBe(true);
    }
    const evaluate = r1.nodes.find((n) => n.kind === 'evaluate')!;
    expect(Object.keys(evaluate.metrics.dice as object).sort()).toEqual(['1', '2']);

    // a seeded CPU run re-executed in a fresh store: every output bit-identical, training included
    const reproduced = await cli(['reproduce', r1.id, '-q'], dir);
    expect(reproduced.code, reproduced.out + reproduced.err).toBe(0);
    const total = r1.nodes.filter((n) => n.outputs).length;
    expect(reproduced.out).toContain(`bit-identical outputs: ${total} of ${total} actions`);
    expect(reproduced.out).toContain('metrics: all equal');

    const again = await cli(['run', PIPELINE, '--set', 'cases=10', ...SMALL], dir);
    expect(again.code).toBe(0);
    expect(ran(lastRun(dir, again.out))).toEqual([]);
    expect(again.out).toMatch(/Nothing was stale/);

    const added = await cli(['run', PIPELINE, '--set', 'cases=11', ...SMALL], dir);
    expect(added.code, added.out + added.err).toBe(0);
    const r3 = lastRun(dir, added.out);
    const newCase = 'phantom_010';
    // per-case work: only the new case (its 10 siblings keep their content digests)
    expect(ran(r3).filter((id) => id.startsWith('case_fingerprint['))).toEqual([`case_fingerprint[case=${newCase}]`]);
    const planSame = r1.nodes.find((n) => n.id === 'preprocess_settings[configuration=3d_fullres]')!.outputs!.digest
      === r3.nodes.find((n) => n.id === 'preprocess_settings[configuration=3d_fullres]')!.outputs!.digest;
    const preprocessed = ran(r3).filter((id) => id.startsWith('preprocess['));
    if (planSame) expect(preprocessed).toEqual([`preprocess[configuration=3d_fullres,case=${newCase}]`]);
    else expect(preprocessed).toHaveLength(11);
    // the split assigns the new case to a fold, so training and everything after it truly depend on it
    expect(ran(r3)).toEqual(expect.arrayContaining(['split', 'train[configuration=3d_fullres,fold=0]', 'find_best']));
  });
});
