import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { AbortedError, NnunetError } from '../errors.js';
import { fsError } from '../fs-errors.js';
import type { Digest } from '../hash/digest.js';
import type { KeyParts } from '../hash/action-key.js';
import type { ActionRecord } from '../store/action-record.js';
import type { Store } from '../store/store.js';
import type { ActionContext, ActionResult, InputArtifact, Item, Json, NodeKind, Progress, Scalar } from '../types.js';
import type { PreparedAction } from './prepare.js';

export const LOG_KEEP = 200;

/** An upstream output as a job names it: everything of InputArtifact except where it lies on disk. */
export type InputRef = Omit<InputArtifact, 'dir'>;

/**
 * One prepared action as plain JSON: what the driver writes into the store for `nnunet exec <store> <key>`
 * on another host, and what the local executor runs in-process. Nothing in it depends on the executor.
 */
export interface ActionJob {
  readonly key: Digest;
  readonly actionId: string;
  readonly node: string;
  readonly kind: string;
  /** the driver's kind version: a job host with other code refuses to run it */
  readonly kindVersion: string;
  readonly params: Json;
  readonly matrix: Record<string, Scalar>;
  readonly item?: Item;
  readonly external: Record<string, Digest>;
  readonly parts: KeyParts;
  readonly inputs: Record<string, InputRef[]>;
  /** the last committed output of this action id, for warm starts */
  readonly previous?: Digest;
}

export function jobOf(a: PreparedAction, previous: Digest | undefined): ActionJob {
  const inputs: Record<string, InputRef[]> = {};
  for (const [name, list] of Object.entries(a.spec.inputs)) {
    inputs[name] = list.map((o) => ({
      action: o.id, node: o.node, digest: o.output!, matrix: o.matrix,
      ...(o.item ? { item: o.item } : {}), items: o.items, metrics: o.metrics,
    }));
  }
  return {
    key: a.key, actionId: a.spec.id, node: a.spec.node.name, kind: a.spec.node.kind.kind, kindVersion: a.spec.node.kind.version,
    params: a.params, matrix: a.spec.matrix, ...(a.spec.item ? { item: a.spec.item } : {}), external: a.external, parts: a.parts,
    inputs, ...(previous ? { previous } : {}),
  };
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

export interface JobHooks {
  readonly signal: AbortSignal;
  progress(p: Progress): void;
  /** every log line; `lines` keeps the recent ones for the record */
  log(message: string): void;
  readonly lines: string[];
  /** when the kind's work starts (after inputs are materialised) */
  started?(): void;
}

/**
 * Runs one job's kind into a temp dir of the store, ingests the output and commits the action record last
 * (rename-commit); the scratch state goes only after the commit. Locking and cache look-up are the caller's.
 */
export async function runJob(store: Store, job: ActionJob, kind: NodeKind, hooks: JobHooks): Promise<ActionRecord> {
  const { signal } = hooks;
  const started = Date.now();
  let outDir: string | undefined = await store.tempDir();
  try {
    const scratchDir = store.scratchDir(job.key);
    const previous = job.previous && store.hasArtifact(job.previous) ? { digest: job.previous, dir: await store.artifactDir(job.previous) } : undefined;
    const inputs: Record<string, InputArtifact[]> = {};
    for (const [name, list] of Object.entries(job.inputs)) {
      inputs[name] = await Promise.all(list.map(async (r) => ({ ...r, dir: await store.artifactDir(r.digest) })));
    }
    const id = job.actionId;
    const ctx: ActionContext<any> = {
      params: job.params, inputs, matrix: job.matrix, item: job.item, outDir, scratchDir, previous,
      external: job.external, signal, actionId: id,
      hashPath: (path) => store.statCache.digestPath(path),
      input(name) {
        const list = inputs[name];
        if (!list || list.length !== 1) throw new NnunetError('ACTION_INPUT_NOT_SINGLE', `input '${name}' of ${id} has ${list?.length ?? 0} artifacts, expected exactly one`, { node: id });
        return list[0];
      },
      progress: (p) => hooks.progress(p),
      log: (message) => {
        hooks.lines.push(message);
        if (hooks.lines.length > 10 * LOG_KEEP) hooks.lines.splice(0, hooks.lines.length - LOG_KEEP);
        hooks.log(message);
      },
    };
    hooks.started?.();
    const result = checkResult(await kind.run(ctx));
    if (signal.aborted) throw new AbortedError();
    // inputs are the store's own files (hard links to its objects): an action that wrote into one would have its
    // output, and every later reader of that input, built on bytes no key describes
    for (const [name, list] of Object.entries(job.inputs)) {
      for (const r of list) {
        const changed = await store.changedByAction(r.digest);
        if (changed.length > 0) {
          throw new NnunetError('ACTION_CHANGED_INPUT', `${id} changed its input '${name}' (${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', ...' : ''}): `
            + 'an action must not write into its inputs; the damaged input is removed and recomputed by the next run', { node: id });
        }
      }
    }
    const output = await store.ingest(outDir);
    outDir = undefined;
    const rec: ActionRecord = {
      key: job.key, actionId: id, node: job.node, kind: kind.kind, parts: job.parts, output,
      items: result.items ?? [], ...(result.itemLabel ? { itemLabel: result.itemLabel } : {}),
      metrics: (result.metrics ?? {}) as Record<string, Json>, ...(result.timings ? { timings: result.timings } : {}),
      durationMs: Date.now() - started, createdAt: new Date(started).toISOString(), log: hooks.lines.slice(-LOG_KEEP),
    };
    await store.commitAction(rec);
    if (existsSync(scratchDir)) await rm(scratchDir, { recursive: true, force: true });
    return rec;
  } finally {
    // the half-written output never enters the store; scratch state stays for a resumed attempt
    if (outDir) await rm(outDir, { recursive: true, force: true });
  }
}

/** An error as the outcome and run record keep it. */
export function errorOf(err: unknown): { code: string; message: string } {
  const known = err instanceof NnunetError ? err : fsError(err);
  return known ? { code: known.code, message: known.message }
    : { code: 'ACTION_FAILED', message: err instanceof Error ? err.message : String(err) };
}
