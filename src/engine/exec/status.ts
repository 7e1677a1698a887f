import { NnunetError } from '../errors.js';
import type { StaleReason } from '../hash/explain.js';
import type { Plan } from '../pipeline/plan.js';
import { LocalStore } from '../store/local-store.js';
import { expandNode } from './expand.js';
import { usable, type Outcome } from './outcome.js';
import { forEachBounded } from './pool.js';
import { ExternalDigests, prepareAction } from './prepare.js';
import { applyRecord, lookupCached } from './run-action.js';
import { defaultStoreDir } from './run-plan.js';
import { whyStale } from './why.js';

export interface ActionState {
  id: string;
  node: string;
  /** fresh: cached; stale: would run; the reasons say why */
  state: 'fresh' | 'stale';
  key?: string;
  item?: string;
  reasons: StaleReason[];
}

export interface StatusReport {
  pipeline: { file?: string; name: string; digest: string };
  actions: ActionState[];
  fresh: boolean;
}

/**
 * What `run` would do, without running: each action fresh, or stale with reasons (the diff between the key
 * parts of its last committed execution and now). Actions downstream of stale ones are stale because of them;
 * per-item actions behind a stale item source are reported as one entry for the node.
 */
export async function statusPlan(plan: Plan, opts: { storeDir?: string }): Promise<StatusReport> {
  const store = new LocalStore(defaultStoreDir(opts.storeDir));
  const externals = new ExternalDigests(store);
  const last = store.lastIndex(plan.name);
  const pack = store.recordPack(plan.name);
  const byNode = new Map<string, Outcome[]>();
  const actions: ActionState[] = [];
  for (const name of plan.order) {
    const node = plan.nodes.get(name)!;
    const specs = expandNode(node, new Map(node.needs.map((n) => [n.node, byNode.get(n.node) ?? []])), usable);
    const outs: Outcome[] = specs.map((s) => ({ id: s.id, node: name, kind: node.kind.kind, matrix: s.matrix, item: s.item,
      itemSource: s.itemSource, status: 'skipped', key: '', durationMs: 0, items: [], metrics: {}, log: [] }));
    const states: ActionState[] = specs.map((s) => ({ id: s.id, node: name, state: 'stale', reasons: [], ...(s.item ? { item: s.item.id } : {}) }));
    await forEachBounded(specs, 64, async (spec, i) => {
      const st = states[i];
      if (spec.blocked) {
        const stale = Object.values(spec.inputs).flat().filter((o) => !usable(o));
        st.reasons.push(spec.blocked.upstream
          ? { kind: 'upstream', name: stale[0]?.node ?? node.foreach ?? '?', actions: stale.map((o) => o.id) }
          : { kind: 'error', code: spec.blocked.code, message: spec.blocked.message });
        return;
      }
      try {
        const a = await prepareAction(plan, spec, externals);
        st.key = a.key;
        const hit = await lookupCached(store, a.key, pack, false);
        if (hit) {
          applyRecord(outs[i], hit);
          st.state = 'fresh';
          return;
        }
        st.reasons.push(...(await whyStale(store, last, a)));
      } catch (err) {
        st.reasons.push(err instanceof NnunetError ? { kind: 'error', code: err.code, message: err.message } : { kind: 'error', code: 'ACTION_FAILED', message: String(err) });
      }
    });
    byNode.set(name, outs);
    actions.push(...states);
  }
  await store.statCache.save();
  await store.seals.save().catch(() => undefined); // only a cache: status still answers on a read-only store
  return {
    pipeline: { ...(plan.file ? { file: plan.file } : {}), name: plan.name, digest: plan.yaml.digest },
    actions, fresh: actions.every((a) => a.state === 'fresh'),
  };
}
