import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImage } from '../../src/imaging/index.js';
import { decodeNpy } from '../../src/imaging/io/npy.js';
import { runCase } from './pool.js';
import type { CaseTask } from './run-case.js';
import { configuration, plans, volume } from './test-helpers.js';

// through real worker threads (the pool is shared per process and sized from this variable on first use)
process.env.NNUNET_PREPROCESS_WORKERS = '2';

const dir = mkdtempSync(join(tmpdir(), 'pp-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const p = plans([2, 0, 1], { '3d_fullres': configuration([2, 1, 1], ['ZScoreNormalization'], [false]) }, { 0: {} });
const task = (caseId: string, label: string | null): CaseTask => ({
  caseId,
  images: [join(dir, `${caseId}_0000.nii.gz`)],
  label,
  plans: p,
  configuration: '3d_fullres',
  labels: { background: 0, a: 1 },
  outDir: dir,
});

describe('runCase on the worker pool', () => {
  it('reads NIfTI files, preprocesses and writes <case>.npy, <case>_seg.npy, <case>.json', async () => {
    const shape = [1, 6, 5, 4];
    const img = volume(Float32Array.from({ length: 120 }, (_, i) => (i % 7) + 1), shape, [1, 1, 2]);
    const seg = volume(Float32Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 1 : 0)), shape, [1, 1, 2]);
    await writeImage(join(dir, 'c1_0000.nii.gz'), img);
    await writeImage(join(dir, 'c1.nii.gz'), seg);
    const unlabelled = { ...task('c1', null), outDir: join(dir, 'unlabelled') };
    mkdirSync(unlabelled.outDir);
    const [summary, second] = await Promise.all([runCase(task('c1', join(dir, 'c1.nii.gz'))), runCase(unlabelled)]);
    expect(existsSync(join(unlabelled.outDir, 'c1_seg.npy'))).toBe(false);
    expect(summary.shape).toEqual([1, 4, 6, 5]);
    expect(second.shape).toEqual([1, 4, 6, 5]);
    const data = decodeNpy(readFileSync(join(dir, 'c1.npy')));
    const segOut = decodeNpy(readFileSync(join(dir, 'c1_seg.npy')));
    expect(data.shape).toEqual([1, 4, 6, 5]);
    expect(data.data).toBeInstanceOf(Float32Array);
    expect(segOut.shape).toEqual([1, 4, 6, 5]);
    expect(segOut.data).toBeInstanceOf(Int16Array);
    const props = JSON.parse(readFileSync(join(dir, 'c1.json'), 'utf8'));
    expect(props.shape_before_cropping).toEqual([4, 6, 5]);
    expect(props.class_locations['1']).toHaveLength(40);
  });

  it('reports a label that does not fit its image as an error naming the case', async () => {
    await writeImage(join(dir, 'c2_0000.nii.gz'), volume(new Float32Array(120).fill(1), [1, 6, 5, 4], [1, 1, 1]));
    await writeImage(join(dir, 'c2.nii.gz'), volume(new Float32Array(60), [1, 3, 5, 4], [1, 1, 1]));
    await expect(runCase(task('c2', join(dir, 'c2.nii.gz')))).rejects.toMatchObject({
      code: 'PREPROCESS_SEG_SHAPE_MISMATCH',
      context: { item: 'c2' },
    });
  });

  it('passes a broken image file back as the reader error, with the case and file named', async () => {
    writeFileSync(join(dir, 'c3_0000.nii.gz'), 'not an image');
    const err = await runCase(task('c3', null)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^IMAGE_/), context: { item: 'c3', file: join(dir, 'c3_0000.nii.gz') } });
    expect((err as Error).message).toMatch(/^case c3: /);
  });

  it('drops queued cases on abort and lets running ones finish', async () => {
    const ac = new AbortController();
    const jobs = [0, 1, 2].map(() => runCase(task('c1', null), ac.signal));
    ac.abort();
    const results = await Promise.allSettled(jobs);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'ABORTED', context: { item: 'c1' } });
    await expect(runCase(task('c1', null), ac.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });
});
