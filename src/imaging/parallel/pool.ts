/**
 * A fixed set of worker threads for the heavy imaging loops. Work is split into independent blocks over
 * SharedArrayBuffer-backed arrays (nothing is copied between threads); each worker runs one block at a time.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../util/worker.js';
import { ImageError } from '../errors.js';
import type { ImagingJob } from './jobs.js';

type Pending = { resolve: () => void; reject: (e: Error) => void };

export class ImagingPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Array<(w: Worker) => void> = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(size = availableParallelism()) {
    this.size = Math.max(1, Math.floor(size));
  }

  private spawn(): Worker {
    const w = startWorker(new URL('./worker.ts', import.meta.url));
    w.on('message', ({ id, error }: { id: number; error?: string }) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      // an idle pool must not keep the process alive; a busy one must (its caller awaits it)
      w.unref();
      this.release(w);
      if (error) p?.reject(new ImageError('IMAGE_WORKER_FAILED', `imaging worker failed: ${error}`));
      else p?.resolve();
    });
    w.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(new ImageError('IMAGE_WORKER_FAILED', `imaging worker crashed: ${err.message}`, {}, { cause: err }));
      this.pending.clear();
    });
    w.unref();
    this.workers.push(w);
    return w;
  }

  private acquire(): Promise<Worker> {
    const w = this.idle.pop() ?? (this.workers.length < this.size ? this.spawn() : undefined);
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** Runs one job on a free worker; its arrays must live in SharedArrayBuffers to be seen by the caller. */
  async run(job: ImagingJob): Promise<void> {
    const w = await this.acquire();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage({ id, job });
    });
  }

  /** Starts every worker now (a worker's start-up, module loading included, is paid once per pool). */
  async warm(): Promise<void> {
    const tiny = { outer: 1, n: 1, inner: 1, newN: 1, order: 0, outerFrom: 0, outerTo: 1, innerFrom: 0, innerTo: 1 };
    await Promise.all(Array.from({ length: this.size }, () => this.run({ kind: 'axis', src: [0], dst: new Float64Array(1), job: tiny })));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.idle.length = 0;
  }
}

type TypedCtor<T> = { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };

/** A zeroed typed array over a new SharedArrayBuffer. */
export function shared<T>(ctor: TypedCtor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
}
