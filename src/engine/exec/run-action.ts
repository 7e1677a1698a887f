import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { AbortedError, NnunetError } from '../errors.js';
import { fsError } from '../fs-errors.js';
import type { ActionRecord } from '../store/action-record.js';
import type { Store } from '../store/store.js';
import type { LastIndex } from '../store/last-index.js';
import type { HitFacts, RecordPack } from '../store/record-pack.js';
import type { ActionContext, ActionResult, InputArtifact, Item, Json } from '../types.js';
import type { EngineObserver } from '../events.js';
import type { Limiter } from './limiter.js';
import type { Outcome } from './outcome.js';
import type { PreparedAction } from './prepare.js';

const LOG_KEEP = 200;

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

function checkResult(r: ActionResult | void): ActionResult {
  const res = r ?? {};
  const items: Item[] = res.items ?? [];
  const seen = new Set<string>();
  for (const it of items) {
    if (typeof it?.id !== 'string' || typeof it.digest !== 'string' || it.id === '') {
      throw new NnunetError('ACTION_BAD_RESULT', `every item needs a non-empty string id and digest, got ${JSON.stringify(it)}`);
    }
    if (seen.has(it.id)) throw new NnunetError('ACTION_BAD_RESULT', `item id '${it.id}' is listed twice`);
    seen.add(it.id);
  }
  return res;
}

async function inputArtifacts(store: Store, a: PreparedAction): Promise<Record<string, InputArtifact[]>> {
  const out: Record<string, InputArtifact[]> = {};
  for (const [name, list] of Object.entries(a.spec.inputs)) {
    out[name] = await Promise.all(list.map(async (o) => ({
      action: o.id, node: o.node, digest: o.output!, dir: await store.artifactDir(o.output!),
      matrix: o.matrix, item: o.item, items: o.items, metrics: o.metrics,
    })));
  }
  return out;
}

/**
 * Runs one action that was not cached: resource slot, store lock (another process may be doing it; then
 * its result is reused), run into a temp dir, ingest, commit the record last. Fills `o` in place.
 */
export async function executeAction(env: ExecEnv, a: PreparedAction, o: Outcome): Promise<void> {
  const { store } = env;
  const signal = env.signalFor(a);
  const kind = a.spec.node.kind;
  let releaseSlot: (() => void) | undefined;
  let releaseLock: (() => Promise<void>) | undefined;
  let outDir: string | undefined;
  let started = Date.now();
  try {
    releaseSlot = await env.limiter.acquire(kind.resources?.cpus ?? 1, kind.resources?.accelerator === true, signal);
    releaseLock = await store.lock(a.key, signal, () => env.emit({ type: 'action-wait', id: a.spec.id, reason: 'another process runs this action' }));
    // an action's time is its own work, not the wait for a resource slot or another process's lock
    started = Date.now();
    const done = await lookupCached(store, a.key);
    if (done) {
      applyRecord(o, done);
      env.pack.use(a.key, done);
      env.last.set(a.spec.id, { key: a.key, output: done.output });
      return;
    }
    if (signal.aborted) throw new AbortedError();
    outDir = await store.tempDir();
    const scratchDir = store.scratchDir(a.key);
    const last = env.last.get(a.spec.id);
    const previous = last && store.hasArtifact(last.output) ? { digest: last.output, dir: await store.artifactDir(last.output) } : undefined;
    const inputs = await inputArtifacts(store, a);
    const id = a.spec.id;
    const ctx: ActionContext<any> = {
      params: a.params, inputs, matrix: a.spec.matrix, item: a.spec.item, outDir, scratchDir, previous,
      external: a.external, signal, actionId: id,
      hashPath: (path) => store.statCache.digestPath(path),
      input(name) {
        const list = inputs[name];
        if (!list || list.length !== 1) throw new NnunetError('ACTION_INPUT_NOT_SINGLE', `input '${name}' of ${id} has ${list?.length ?? 0} artifacts, expected exactly one`, { node: id });
        return list[0];
      },
      progress: (p) => env.emit({ type: 'action-progress', id, progress: p }),
      log: (message) => {
        o.log.push(message);
        if (o.log.length > 10 * LOG_KEEP) o.log.splice(0, o.log.length - LOG_KEEP);
        env.emit({ type: 'action-log', id, message });
      },
    };
    env.emit({ type: 'action-start', id, node: a.spec.node.name, key: a.key });
    const result = checkResult(await kind.run(ctx));
    if (signal.aborted) throw new AbortedError();
    const output = await store.ingest(outDir);
    outDir = undefined;
    const durationMs = Date.now() - started;
    const rec: ActionRecord = {
      key: a.key, actionId: id, node: a.spec.node.name, kind: kind.kind, parts: a.parts, output,
      items: result.items ?? [], ...(result.itemLabel ? { itemLabel: result.itemLabel } : {}),
      metrics: (result.metrics ?? {}) as Record<string, Json>, ...(result.timings ? { timings: result.timings } : {}), durationMs, createdAt: new Date(started).toISOString(),
      log: o.log.slice(-LOG_KEEP),
    };
    await store.commitAction(rec);
    env.last.set(id, { key: a.key, output });
    env.pack.use(a.key, rec);
    if (existsSync(scratchDir)) await rm(scratchDir, { recursive: true, force: true });
    Object.assign(o, { status: 'ran', output, items: rec.items, itemLabel: rec.itemLabel, metrics: rec.metrics, timings: rec.timings });
  } catch (err) {
    // Scratch state stays for a resumed attempt; the half-written output never enters the store.
    if (signal.aborted || err instanceof AbortedError) {
      o.status = 'aborted';
      o.error = { code: 'ABORTED', message: 'aborted' };
    } else {
      o.status = 'failed';
      const known = err instanceof NnunetError ? err : fsError(err);
      o.error = known ? { code: known.code, message: known.message }
        : { code: 'ACTION_FAILED', message: err instanceof Error ? err.message : String(err) };
      if (err instanceof Error && !(err instanceof NnunetError) && err.stack) o.log.push(err.stack);
    }
  } finally {
    if (outDir) await rm(outDir, { recursive: true, force: true });
    await releaseLock?.();
    releaseSlot?.();
    o.durationMs = Date.now() - started;
  }
}
