// The training data loader: batches built ahead of the training step in worker threads (or in-process).
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../util/worker.js';
import { BatchProducer, type Batch, type BatchSpec } from './batch.js';
import { assertCasesExist } from './case-store.js';
import type { AugmentConfig } from './configure.js';
import { DATA_OPTIONS_INVALID, DATA_WORKER_FAILED, DataError } from './errors.js';
import type { WorkerReply } from './loader-worker.js';
import { randomSeed } from './rng.js';

export interface BatchLoaderOptions {
  /** previousStage: a cascade stage's previous-stage segmentation of the case (required with previousStageLabels) */
  cases: { id: string; dir: string; previousStage?: string }[];
  /** final (network) patch size */
  patchSize: number[];
  batchSize: number;
  /** share of each batch forced to contain foreground (nnU-Net: 0.33) */
  oversampleForeground: number;
  /** training (larger sampling patch + augmentation) or validation (final patch, no augmentation) */
  augment: boolean;
  /** from configureAugmentation(patchSize); its initialPatchSize is used when present */
  config: AugmentConfig & { initialPatchSize?: number[] };
  /** batch i is a function of (seed, i); unseeded runs draw a random seed, like nnU-Net */
  seed?: number;
  /** index of the first batch: a resumed training continues its stream where it stopped */
  firstIndex?: number;
  /** worker threads; 0 builds batches in-process when next() is called */
  workers?: number;
  /** restricts which single-label class_locations keys forced-foreground samples may pick (default: all) */
  annotatedClasses?: number[];
  /** with an ignore label, non-forced samples are centred on an annotated voxel */
  ignoreLabel?: number;
  /** batches each worker keeps ready (default 2) */
  prefetch?: number;
  /** per-thread case cache budget in bytes (default 256 MiB; every worker has its own) */
  cacheBytes?: number;
  /** cascade stage: foreground labels the previous stage's segmentation is one-hot encoded over (spec §5.6 step 13) */
  previousStageLabels?: number[];
}

export interface BatchLoader {
  next(): Promise<Batch>;
  close(): Promise<void>;
  readonly seed: number;
}

export function validateLoaderOptions(o: BatchLoaderOptions): void {
  const problems: string[] = [];
  if (o.cases.length === 0) problems.push('cases is empty');
  if (o.patchSize.length !== 2 && o.patchSize.length !== 3) problems.push(`patchSize must have 2 or 3 axes, got [${o.patchSize.join(', ')}]`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) problems.push(`batchSize must be a positive integer, got ${o.batchSize}`);
  if (!(o.oversampleForeground >= 0 && o.oversampleForeground <= 1)) problems.push(`oversampleForeground must be in [0, 1], got ${o.oversampleForeground}`);
  if (o.config.patchSize.join() !== o.patchSize.join()) problems.push(`config.patchSize [${o.config.patchSize.join(', ')}] differs from patchSize [${o.patchSize.join(', ')}]`);
  const initial = o.config.initialPatchSize;
  if (initial && (initial.length !== o.patchSize.length || initial.some((s, d) => s < o.patchSize[d]))) {
    problems.push(`initialPatchSize [${initial.join(', ')}] must cover patchSize [${o.patchSize.join(', ')}]`);
  }
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 0)) problems.push(`workers must be a non-negative integer, got ${o.workers}`);
  const withoutPrevious = o.previousStageLabels ? o.cases.filter((c) => !c.previousStage).map((c) => c.id) : [];
  if (withoutPrevious.length > 0) problems.push(`a cascade stage needs every case's previous-stage segmentation; none for ${withoutPrevious.join(', ')}`);
  if (problems.length > 0) {
    throw new DataError(DATA_OPTIONS_INVALID, `invalid data loader options: ${problems.join('; ')}`, {}, {
      issues: problems.map((message) => ({ code: DATA_OPTIONS_INVALID, message })),
    });
  }
}

export function createBatchLoader(o: BatchLoaderOptions): BatchLoader {
  validateLoaderOptions(o);
  assertCasesExist(o.cases);
  const seed = o.seed ?? randomSeed();
  const spec: BatchSpec = {
    cases: o.cases.map((c) => (c.previousStage ? { id: c.id, dir: c.dir, previousStage: c.previousStage } : { id: c.id, dir: c.dir })),
    patchSize: [...o.patchSize],
    initialPatchSize: o.config.initialPatchSize ? [...o.config.initialPatchSize] : undefined,
    batchSize: o.batchSize,
    oversampleForeground: o.oversampleForeground,
    augment: o.augment,
    config: {
      patchSize: [...o.config.patchSize],
      rotation: [o.config.rotation[0], o.config.rotation[1]],
      dummy2d: o.config.dummy2d,
      mirrorAxes: [...o.config.mirrorAxes],
      useMaskForNorm: [...o.config.useMaskForNorm],
    },
    annotatedClasses: o.annotatedClasses,
    ignoreLabel: o.ignoreLabel,
    cacheBytes: o.cacheBytes,
    previousStageLabels: o.previousStageLabels ? [...o.previousStageLabels] : undefined,
  };
  const workers = o.workers ?? Math.max(1, Math.min(8, availableParallelism() - 1));
  const first = o.firstIndex ?? 0;
  return workers === 0 ? inProcessLoader(spec, seed, first) : workerLoader(spec, seed, workers, o.prefetch ?? 2, first);
}

function inProcessLoader(spec: BatchSpec, seed: number, first: number): BatchLoader {
  const producer = new BatchProducer(spec);
  let index = first;
  return { seed, next: () => producer.produce(seed, index++), close: async () => {} };
}

interface Pending {
  promise: Promise<Batch>;
  resolve: (b: Batch) => void;
  reject: (e: Error) => void;
}

// the worker entry has this module's extension: .ts under tsx, .js in a compiled build
const WORKER_URL = new URL(`./loader-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);

function workerLoader(spec: BatchSpec, seed: number, count: number, prefetch: number, first: number): BatchLoader {
  const pending = new Map<number, Pending>();
  const pool: Worker[] = [];
  let nextIndex = first;
  let requested = first;
  let closed = false;
  let failure: Error | undefined;

  const settleAll = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
  };
  for (let w = 0; w < count; w++) {
    const worker = startWorker(WORKER_URL, { workerData: { spec, seed } });
    worker.on('message', (msg: WorkerReply) => {
      const p = pending.get(msg.index);
      if (!p) return;
      if ('error' in msg) p.reject(new DataError(msg.error.code, msg.error.message, msg.error.context));
      else p.resolve(msg.batch);
    });
    worker.on('error', (e) => settleAll(new DataError(DATA_WORKER_FAILED, `data loader worker ${w} failed: ${e.message}`, {}, { cause: e })));
    worker.on('exit', (code) => {
      if (!closed && code !== 0) settleAll(new DataError(DATA_WORKER_FAILED, `data loader worker ${w} exited with code ${code}`));
    });
    pool.push(worker);
  }
  // batch i always goes to worker i mod count, so each worker's queue stays in order
  const request = (index: number) => {
    let resolve!: (b: Batch) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Batch>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => {}); // surfaced by next(); avoid unhandled rejections for prefetched batches
    pending.set(index, { promise, resolve, reject });
    pool[index % count].postMessage({ index });
  };
  const fill = () => {
    while (requested < nextIndex + count * prefetch) request(requested++);
  };
  fill(); // start building right away: worker start-up overlaps with the caller's own set-up

  return {
    seed,
    async next() {
      if (closed) throw new DataError(DATA_WORKER_FAILED, 'data loader is closed');
      if (failure) throw failure;
      fill();
      const index = nextIndex++;
      const p = pending.get(index)!;
      try {
        return await p.promise;
      } finally {
        pending.delete(index);
        if (!closed && !failure) fill();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      settleAll(new DataError(DATA_WORKER_FAILED, 'data loader closed'));
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}
