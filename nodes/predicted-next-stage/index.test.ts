import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionContext } from '../../src/engine/index.js';
import { predictedNextStage } from './index.js';
import type { PredictedNextStageParams } from './params.js';

let root: string;
const fold = (name: string, cases: string[], matrix: Record<string, string> = { configuration: '3d_lowres' }) => {
  const dir = join(root, name);
  mkdirSync(join(dir, 'validation'), { recursive: true });
  if (cases.length) mkdirSync(join(dir, 'predicted_next_stage', '3d_cascade_fullres'), { recursive: true });
  for (const c of cases) writeFileSync(join(dir, 'predicted_next_stage', '3d_cascade_fullres', `${c}.npy`), c);
  return { dir, matrix };
};
const run = (name: string, validate: Array<{ dir: string; matrix: Record<string, string> }>) => {
  const outDir = join(root, name);
  mkdirSync(outDir, { recursive: true });
  const ctx = { params: { configuration: '3d_lowres' }, inputs: { validate }, outDir, actionId: name, log: () => {} } as unknown as ActionContext<PredictedNextStageParams>;
  return { outDir, result: predictedNextStage.run(ctx) };
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'next-stage-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('predicted-next-stage', () => {
  it('merges every fold of the configuration (other configurations are ignored)', async () => {
    const { outDir, result } = run('merged', [fold('f0', ['a', 'b']), fold('f1', ['c']), fold('other', ['z'], { configuration: '2d' })]);
    expect(await result).toEqual({ metrics: { folds: 2, '3d_cascade_fullres_cases': 3 } });
    for (const c of ['a', 'b', 'c']) expect(existsSync(join(outDir, 'predicted_next_stage', '3d_cascade_fullres', `${c}.npy`))).toBe(true);
    expect(existsSync(join(outDir, 'predicted_next_stage', '3d_cascade_fullres', 'z.npy'))).toBe(false);
  });

  it('fails on a case found in two folds, and when no fold wrote next-stage segmentations', async () => {
    await expect(run('dup', [fold('d0', ['a']), fold('d1', ['a'])]).result).rejects.toMatchObject({ code: 'PREDICTED_NEXT_STAGE_DUPLICATE', context: { item: 'a' } });
    await expect(run('empty', [fold('e0', [])]).result).rejects.toMatchObject({ code: 'PREDICTED_NEXT_STAGE_EMPTY' });
  });
});
