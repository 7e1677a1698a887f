/**
 * Data loader throughput at the Hippocampus plan sizes (spec §3.11: 3d_fullres batch 9, patch 40x56x40,
 * sampled at 73x80x64; 2d batch 366, patch 56x40), sampling + the full training augmentation.
 * Cases are synthetic volumes of Hippocampus' preprocessed size (about 36x50x35, labels 0..2): the cost depends on
 * the shapes, not on the anatomy. Baseline: nnU-Net v2 augmentation, 0.135 s per 3d_fullres batch in one process
 * on this 2-core machine (../shared/bench/baselines.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureAugmentation, createBatchLoader, type BatchLoaderOptions } from '../src/nn/data/index.js';
import { writeSyntheticCase } from '../test/data/synthetic-cases.js';
import { printTable, type Row } from './table.js';

const BASELINES = new URL('../../shared/bench/baselines.json', import.meta.url).pathname;
const CASES = 24;



/** Seconds per batch after one warm-up batch. */
async function secondsPerBatch(o: BatchLoaderOptions, batches: number): Promise<number> {
  const loader = createBatchLoader(o);
  try {
    await loader.next();
    const t0 = performance.now();
    for (let i = 0; i < batches; i++) await loader.next();
    return (performance.now() - t0) / 1000 / batches;
  } finally {
    await loader.close();
  }
}

export async function run(): Promise<void> {
  const baseline = existsSync(BASELINES)
    ? (JSON.parse(readFileSync(BASELINES, 'utf8')).nnunet_v2_cpu.hippocampus.augmentation_s_per_batch_1process as number)
    : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'bench-data-'));
  try {
    for (let i = 0; i < CASES; i++) {
      const shape: [number, number, number] = [34 + (i % 5), 47 + (i % 7), 33 + (i % 4)];
      await writeSyntheticCase(dir, `case_${i}`, i, { shape, box: [[10, 24], [15, 35], [10, 25]] });
    }
    const cases = Array.from({ length: CASES }, (_, i) => ({ id: `case_${i}`, dir }));
    const full: BatchLoaderOptions = {
      cases,
      patchSize: [40, 56, 40],
      batchSize: 9,
      oversampleForeground: 0.33,
      augment: true,
      config: configureAugmentation([40, 56, 40]),
      seed: 123,
      workers: 0,
    };
    const rows: Row[] = [];
    const inProcess = await secondsPerBatch(full, 20);
    rows.push({ figure: '3d_fullres: s per augmented batch, in-process (1 thread)', value: inProcess, baseline });
    for (const workers of [1, 2]) {
      const s = await secondsPerBatch({ ...full, workers, prefetch: 3 }, 30);
      rows.push({ figure: `3d_fullres: batches per second, ${workers} worker thread(s)`, value: 1 / s, baseline: baseline && 1 / baseline, higher: true });
    }
    const validation = await secondsPerBatch({ ...full, augment: false }, 20);
    rows.push({ figure: '3d_fullres: s per validation batch (crop only), in-process', value: validation });
    const twoD = await secondsPerBatch({ ...full, patchSize: [56, 40], batchSize: 366, config: configureAugmentation([56, 40]) }, 3);
    rows.push({ figure: '2d: s per augmented batch of 366, in-process', value: twoD });
    rows.push({ figure: 'peak RSS MiB (process incl. workers)', value: process.resourceUsage().maxRSS / 1024 });
    printTable(rows, { digits: 3 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
