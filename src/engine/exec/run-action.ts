import { AbortedError, NnunetError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { LastIndex } from '../store/last-index.js';
import type { HitFacts, RecordPack } from '../store/record-pack.js';
import type { EngineObserver } from '../events.js';
import type { Limiter } from './limiter.js';
import type { Outcome } from './outcome.js';
import type { PreparedAction } from './prepare.js';
import { errorOf, jobOf, runJob } from './job.js';

export interface ExecEnv {
  readonly store: Store;
  readonly last: LastIndex;
  readonly pack: RecordPack;
  readonly limiter: Limiter;
  readonly emit: EngineObserver;
  /** signal for this action: the run's signal, possibly narrowed by watch mode */
  signalFor(a: PreparedAction): AbortSignal;
}

/**
 * The cache-hit facts of a key whose artifact is still present and undamaged (`status` looks without
 * repairing), else undefined: from this pipeline's record
 * pack when it has the key (one file for the whole run), else from the action record.
 */
export async function lookupCached(store: Store, key: string, pack?: RecordPack, repair = true): Promise<HitFacts | undefined> {
  const packed = pack?.get(key);
  if (packed && await store.intact(packed.output, repair)) return packed;
  const rec = await store.readAction(key);
  return rec && await store.intact(rec.output, repair) ? rec : undefined;
}

export function applyRecord(o: Outcome, rec: HitFacts): void {
  o.status = 'cached';
  o.output = rec.output;
  o.items = rec.items;
  o.itemLabel = rec.itemLabel;
  o.metrics = rec.metrics;
  o.timings = rec.timings;
}

/**
 * Runs one action that was not cached, in this process (the `local` executor): resource slot, store lock
 * (another process may be doing it; then its result is reused), run into a temp dir, ingest, commit the
 * record last. Fills `o` in place.
 */
export async function executeAction(env: ExecEnv, a: PreparedAction, o: Outcome): Promise<void> {
  const { store } = env;
  const signal = env.signalFor(a);
  const kind = a.spec.node.kind;
  let releaseSlot: (() => void) | undefined;
  let releaseLock: (() => Promise<void>) | undefined;
  // an action's time is its own work, not the wait for a resource slot or another process's lock: one aborted while
  // it waited took none
  let started: number | undefined;
  try {
    releaseSlot = await env.limiter.acquire(kind.resources?.cpus ?? 1, kind.resources?.accelerator === true, signal);
    releaseLock = await store.lock(a.key, signal, () => env.emit({ type: 'action-wait', id: a.spec.id, reason: 'another process runs this action' }));
    started = Date.now();
    const done = await lookupCached(store, a.key);
    if (done) {
      useRecord(env, a, o, done);
      return;
    }
    if (signal.aborted) throw new AbortedError();
    const last = env.last.get(a.spec.id);
    const id = a.spec.id;
    env.emit({ type: 'action-start', id, node: a.spec.node.name, key: a.key, matrix: a.spec.matrix, ...(o.why ? { why: o.why } : {}) });
    const rec = await runJob(store, jobOf(a, last?.output), kind, {
      signal, lines: o.log,
      progress: (p) => env.emit({ type: 'action-progress', id, progress: p }),
      log: (message) => env.emit({ type: 'action-log', id, message }),
    });
    useRecord(env, a, o, rec);
    o.status = 'ran';
  } catch (err) {
    failOutcome(o, err, signal);
  } finally {
    await releaseLock?.();
    releaseSlot?.();
    o.durationMs = started === undefined ? 0 : Date.now() - started;
  }
}

/** A committed record (found, or just written) as this run's outcome and in its indexes. */
export function useRecord(env: ExecEnv, a: PreparedAction, o: Outcome, rec: HitFacts): void {
  applyRecord(o, rec);
  env.pack.use(a.key, rec);
  env.last.set(a.spec.id, { key: a.key, output: rec.output });
}

export function failOutcome(o: Outcome, err: unknown, signal: AbortSignal): void {
  if (signal.aborted || err instanceof AbortedError) {
    o.status = 'aborted';
    o.error = { code: 'ABORTED', message: 'aborted' };
  } else {
    o.status = 'failed';
    o.error = errorOf(err);
    if (err instanceof Error && !(err instanceof NnunetError) && err.stack) o.log.push(err.stack);
  }
}
