import { diffTrees, explain, type StaleReason } from '../hash/explain.js';
import type { LastIndex } from '../store/last-index.js';
import type { Store } from '../store/store.js';
import type { PreparedAction } from './prepare.js';

/** Adds, for a changed external folder, which files in it changed (from the manifests kept in the store). */
async function withFileChanges(store: Store, reasons: StaleReason[]): Promise<StaleReason[]> {
  return Promise.all(reasons.map(async (r) => {
    if (r.kind !== 'external' || !r.was || !r.now) return r;
    const [a, b] = await Promise.all([store.readTree(r.was), store.readTree(r.now)]);
    return a && b ? { ...r, files: diffTrees(a, b) } : r;
  }));
}

/**
 * Why an action that is not cached must run: the difference between the key parts of the last execution
 * of the same action id and its parts now (`status` prints these; run records keep them per ran action).
 */
export async function whyStale(store: Store, last: LastIndex, a: PreparedAction): Promise<StaleReason[]> {
  const prev = last.get(a.spec.id);
  if (!prev) return [{ kind: 'new' }];
  if (prev.key === a.key) {
    const files = store.damage(prev.output);
    return [files ? { kind: 'damaged', digest: prev.output, files: [...files] } : { kind: 'output-missing', digest: prev.output }];
  }
  const parts = (await store.readAction(prev.key))?.parts;
  return parts ? withFileChanges(store, explain(parts, a.parts)) : [{ kind: 'unexplained' }];
}
