/**
 * The per-process pool of preprocessing workers. The engine may run many preprocess actions at once; they all
 * share this pool, so at most `size` cases are in memory at a time (one per worker). Idle workers are unref'd
 * so they never keep the process alive. NNUNET_PREPROCESS_WORKERS=0 runs cases inline (debugging, like
 * nnU-Net's nnUNet_n_proc_DA=0).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { AbortedError, NodeError } from '../../src/engine/errors.js';
import { startWorker } from '../../src/util/worker.js';
import { runCaseTask, type CaseSummary, type CaseTask } from './run-case.js';
import type { WorkerReply } from './worker.js';

interface Job {
  id: number;
  task: CaseTask;
  resolve(v: CaseSummary): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
}

const WORKER_URL = new URL('./worker.ts', import.meta.url);

export function poolSize(): number {
  const env = process.env.NNUNET_PREPROCESS_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 0) return n;
  }
  return availableParallelism();
}

class CasePool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private readonly watched = new WeakSet<AbortSignal>();
  private nextId = 0;
  private spawned = 0;

  constructor(private readonly size: number) {}

  run(task: CaseTask, signal?: AbortSignal): Promise<CaseSummary> {
    if (signal?.aborted) return Promise.reject(new AbortedError('aborted', { item: task.caseId }));
    if (signal && !this.watched.has(signal)) {
      // one listener per signal however many of its cases wait (the engine may share one signal across actions)
      this.watched.add(signal);
      signal.addEventListener('abort', () => this.dropAborted(), { once: true });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject, signal });
      this.pump();
    });
  }

  /** Queued cases of an aborted signal are dropped; running ones finish (cases are short and self-contained). */
  private dropAborted(): void {
    for (const job of this.queue.filter((j) => j.signal?.aborted)) {
      this.queue.splice(this.queue.indexOf(job), 1);
      job.reject(new AbortedError('aborted', { item: job.task.caseId }));
    }
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.spawned < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.ref();
      worker.postMessage({ id: job.id, task: job.task });
    }
  }

  private spawn(): Worker {
    this.spawned++;
    const worker = startWorker(WORKER_URL);
    worker.on('message', (reply: WorkerReply) => {
      const job = this.busy.get(worker);
      if (!job || job.id !== reply.id) return;
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (reply.ok) job.resolve(reply.value);
      else job.reject(new NodeError(reply.error.code, reply.error.message, reply.error.context, { issues: reply.error.issues }));
      this.pump();
    });
    const lost = (why: string): void => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      this.spawned--;
      job?.reject(new NodeError('PREPROCESS_WORKER_DIED', `preprocessing worker died on case ${job.task.caseId}: ${why}`, { item: job.task.caseId }));
      this.pump();
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => {
      if (this.busy.has(worker) || this.idle.includes(worker)) lost(`exit code ${code} (out of memory?)`);
    });
    return worker;
  }
}

let shared: CasePool | undefined;

/** Preprocess one case on the shared pool (or inline when the pool size is 0). */
export function runCase(task: CaseTask, signal?: AbortSignal): Promise<CaseSummary> {
  const size = poolSize();
  if (size === 0) return runCaseTask(task);
  shared ??= new CasePool(size);
  return shared.run(task, signal);
}
