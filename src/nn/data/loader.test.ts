import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticCase } from '../../../test/data/synthetic-cases.js';
import { readNpy, writeNpy } from '../../imaging/io/npy.js';
import { configureAugmentation } from './configure.js';
import { createBatchLoader, type BatchLoaderOptions } from './loader.js';

let dir: string;
const ids = ['c0', 'c1', 'c2', 'c3'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nnunet-data-'));
  for (const [i, id] of ids.entries()) {
    await writeSyntheticCase(dir, id, i, { shape: [20, 24, 18], box: [[14, 17], [2, 5], [12, 15]], outsideSlices: 2 });
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function options(over: Partial<BatchLoaderOptions> = {}): BatchLoaderOptions {
  const patchSize = over.patchSize ?? [8, 10, 8];
  return {
    cases: ids.map((id) => ({ id, dir })),
    patchSize,
    batchSize: 3,
    oversampleForeground: 0.33,
    augment: true,
    config: configureAugmentation(patchSize),
    seed: 7,
    workers: 0,
    ...over,
  };
}

describe('createBatchLoader', () => {
  it('returns (B, C, ...patch) batches with seg in {0, 1, 2} after -1 -> 0', async () => {
    const loader = createBatchLoader(options());
    const b = await loader.next();
    expect(b.dataShape).toEqual([3, 1, 8, 10, 8]);
    expect(b.segShape).toEqual([3, 1, 8, 10, 8]);
    expect(b.data.length).toBe(3 * 640);
    expect(new Set(b.seg).size).toBeGreaterThan(0);
    expect([...new Set(b.seg)].every((v) => v >= 0 && v <= 2)).toBe(true);
    expect(b.keys).toHaveLength(3);
    await loader.close();
  });

  it('is reproducible for a seed and differs across seeds', async () => {
    const take = async (seed: number) => {
      const l = createBatchLoader(options({ seed }));
      const out = [await l.next(), await l.next()];
      await l.close();
      return out;
    };
    const [a, b, c] = [await take(3), await take(3), await take(4)];
    expect(a[1].data).toEqual(b[1].data);
    expect(a[1].seg).toEqual(b[1].seg);
    expect(a[0].data).not.toEqual(c[0].data);
  });

  it('worker threads give the same batches as the in-process loader', async () => {
    const inProc = createBatchLoader(options({ seed: 11 }));
    const threaded = createBatchLoader(options({ seed: 11, workers: 2, prefetch: 1 }));
    try {
      for (let i = 0; i < 4; i++) {
        const [a, b] = [await inProc.next(), await threaded.next()];
        expect(b.keys).toEqual(a.keys);
        expect(b.data).toEqual(a.data);
        expect(b.seg).toEqual(a.seg);
      }
    } finally {
      await inProc.close();
      await threaded.close();
    }
  });

  it('forces foreground into the last third of every batch (validation patches)', async () => {
    const loader = createBatchLoader(options({ augment: false, batchSize: 3, seed: 1 }));
    let forcedWithFg = 0;
    let randomWithFg = 0;
    const batches = 30;
    for (let i = 0; i < batches; i++) {
      const b = await loader.next();
      const n = b.seg.length / 3;
      const hasFg = (j: number) => b.seg.subarray(j * n, (j + 1) * n).some((v) => v > 0);
      if (hasFg(2)) forcedWithFg++;
      randomWithFg += Number(hasFg(0)) + Number(hasFg(1));
    }
    expect(forcedWithFg).toBe(batches);
    expect(randomWithFg).toBeLessThan(batches); // the box is small: random patches mostly miss it
    await loader.close();
  });

  it('2D configurations sample one slice along axis 0', async () => {
    const loader = createBatchLoader(options({ patchSize: [12, 10], config: configureAugmentation([12, 10]), batchSize: 2 }));
    const b = await loader.next();
    expect(b.dataShape).toEqual([2, 1, 12, 10]);
    expect(b.segShape).toEqual([2, 1, 12, 10]);
    await loader.close();
  });

  it('rejects bad options with every problem listed', () => {
    try {
      createBatchLoader(options({ batchSize: 0, oversampleForeground: 2, workers: -1 }));
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('DATA_OPTIONS_INVALID');
      expect((e as { issues: unknown[] }).issues).toHaveLength(3);
    }
  });

  it('names every missing file', () => {
    try {
      createBatchLoader(options({ cases: [{ id: 'nope', dir }, { id: 'c0', dir }, { id: 'gone', dir }] }));
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('DATA_CASES_MISSING');
      const issues = (e as { issues: { file: string }[] }).issues;
      expect(issues.map((i) => i.file.split('/').pop())).toEqual(['nope.npy', 'nope_seg.npy', 'nope.json', 'gone.npy', 'gone_seg.npy', 'gone.json']);
    }
  });

  it('reports a malformed case with its file, also from a worker thread', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'nnunet-data-bad-'));
    await writeNpy(join(bad, 'b.npy'), new Float32Array(8), [1, 2, 2, 2]);
    await writeNpy(join(bad, 'b_seg.npy'), new Float32Array(8), [1, 2, 2, 2]);
    await writeFile(join(bad, 'b.json'), JSON.stringify({ class_locations: {} }));
    for (const workers of [0, 1]) {
      const loader = createBatchLoader(options({ cases: [{ id: 'b', dir: bad }], workers }));
      await expect(loader.next()).rejects.toMatchObject({ code: 'DATA_CASE_INVALID', context: { file: join(bad, 'b_seg.npy'), item: 'b' } });
      await loader.close();
    }
    await rm(bad, { recursive: true, force: true });
  });
});

describe('cascade batches (spec §5.5, §5.6 step 13)', () => {
  // the previous stage "predicted" the target exactly, so its one-hot channels can be checked against the target
  const cascadeCases = async () => {
    const out = [];
    for (const id of ids) {
      const prev = join(dir, `${id}_prev.npy`);
      const seg = await readNpy(join(dir, `${id}_seg.npy`));
      await writeNpy(prev, seg.data, seg.shape);
      out.push({ id, dir, previousStage: prev });
    }
    return out;
  };

  it('validation batches: C + K image channels holding the previous seg as one-hot, cropped with the target', async () => {
    const loader = createBatchLoader(options({ cases: await cascadeCases(), previousStageLabels: [1, 2], augment: false, batchSize: 3 }));
    for (let i = 0; i < 5; i++) {
      const b = await loader.next();
      expect(b.dataShape).toEqual([3, 3, 8, 10, 8]);
      expect(b.segShape).toEqual([3, 1, 8, 10, 8]);
      const n = 640;
      for (let j = 0; j < 3; j++) {
        for (let v = 0; v < n; v++) {
          const label = b.seg[j * n + v];
          expect([b.data[(j * 3 + 1) * n + v], b.data[(j * 3 + 2) * n + v]]).toEqual([label === 1 ? 1 : 0, label === 2 ? 1 : 0]);
        }
      }
    }
    await loader.close();
  });

  it('training batches: one-hot channels stay binary and exclusive, mostly agree with the target; same in a worker', async () => {
    const cases = await cascadeCases();
    const inProc = createBatchLoader(options({ cases, previousStageLabels: [1, 2], seed: 5 }));
    const threaded = createBatchLoader(options({ cases, previousStageLabels: [1, 2], seed: 5, workers: 1, prefetch: 1 }));
    let agree = 0;
    let total = 0;
    for (let i = 0; i < 6; i++) {
      const [b, t] = [await inProc.next(), await threaded.next()];
      expect(t.data).toEqual(b.data);
      expect(b.dataShape).toEqual([3, 3, 8, 10, 8]);
      const n = 640;
      for (let j = 0; j < 3; j++) {
        for (let v = 0; v < n; v++) {
          const [a1, a2] = [b.data[(j * 3 + 1) * n + v], b.data[(j * 3 + 2) * n + v]];
          expect(a1 * (1 - a1) + a2 * (1 - a2) + a1 * a2).toBe(0);
          const label = b.seg[j * n + v];
          agree += Number(a1 === (label === 1 ? 1 : 0) && a2 === (label === 2 ? 1 : 0));
          total++;
        }
      }
    }
    expect(agree / total).toBeGreaterThan(0.8);
    await inProc.close();
    await threaded.close();
  });

  it('asks for every missing previous-stage segmentation, and names a mis-shaped one', async () => {
    const cases = await cascadeCases();
    expect(() => createBatchLoader(options({ cases: [cases[0], { id: 'c1', dir }], previousStageLabels: [1, 2] })))
      .toThrow(expect.objectContaining({ code: 'DATA_OPTIONS_INVALID', message: expect.stringContaining('c1') }));
    const wrong = join(dir, 'wrong_prev.npy');
    await writeNpy(wrong, new Int16Array(8), [1, 2, 2, 2]);
    const loader = createBatchLoader(options({ cases: [{ id: 'c0', dir, previousStage: wrong }], previousStageLabels: [1, 2] }));
    await expect(loader.next()).rejects.toMatchObject({ code: 'DATA_CASE_INVALID', context: { file: wrong, item: 'c0' } });
    await loader.close();
  });
});
