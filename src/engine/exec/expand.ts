import type { Item, Scalar } from '../types.js';
import type { PlannedNode } from '../pipeline/plan.js';
import type { Outcome } from './outcome.js';

/** One concrete action of a node: its matrix combination, item and the upstream outcomes that feed it. */
export interface ActionSpec {
  readonly id: string;
  readonly node: PlannedNode;
  readonly matrix: Record<string, Scalar>;
  readonly item?: Item;
  readonly itemSource?: string;
  readonly inputs: Record<string, Outcome[]>;
  /** set when the action cannot be prepared: an upstream it needs did not produce output, or a structural problem */
  readonly blocked?: { code: string; message: string; upstream: boolean };
}

export function actionId(node: string, matrix: Record<string, Scalar>, item?: { label: string; id: string }): string {
  const parts = Object.entries(matrix).map(([k, v]) => `${k}=${String(v)}`);
  if (item) parts.push(`${item.label}=${item.id}`);
  return parts.length ? `${node}[${parts.join(',')}]` : node;
}

function sharesMatrix(a: Record<string, Scalar>, b: Record<string, Scalar>): boolean {
  for (const k of Object.keys(a)) if (k in b && b[k] !== a[k]) return false;
  return true;
}

/**
 * Expands a node into actions once its upstream nodes have outcomes. Instances feed each other when their
 * shared matrix keys agree (an input that names several nodes gets the matching instances of each, in order); per-item branches of the same item source match item by item; otherwise a
 * downstream action receives every upstream instance.
 */
export function expandNode(node: PlannedNode, upstream: ReadonlyMap<string, readonly Outcome[]>,
  usable: (o: Outcome) => boolean): ActionSpec[] {
  const out: ActionSpec[] = [];
  for (const matrix of node.combos) {
    const candidates: Record<string, Outcome[]> = {};
    for (const need of node.needs) {
      // an input may gather several nodes: each is matched on its own, the input gets all of them
      const matched = (upstream.get(need.node) ?? []).filter((o) => sharesMatrix(matrix, o.matrix));
      candidates[need.input] = [...(candidates[need.input] ?? []), ...matched];
    }
    if (!node.foreach) {
      out.push(finish(actionId(node.name, matrix), node, matrix, candidates, usable));
      continue;
    }
    const sources = candidates[node.foreach];
    if (sources.length !== 1) {
      out.push({ id: actionId(node.name, matrix), node, matrix, inputs: candidates, blocked: { code: 'ACTION_FOREACH_AMBIGUOUS', upstream: false,
        message: `'${node.name}' fans out over '${node.foreach}', which has ${sources.length} matching actions (need exactly one)` } });
      continue;
    }
    const source = sources[0];
    if (!usable(source)) {
      out.push({ id: actionId(node.name, matrix), node, matrix, inputs: candidates, blocked: { code: 'UPSTREAM_NOT_DONE', upstream: true,
        message: `upstream '${source.id}' did not produce output` } });
      continue;
    }
    if (source.items.length === 0) {
      // no items would make the node vanish from the run while it "succeeds": a fan-out over nothing is a mistake
      out.push({ id: actionId(node.name, matrix), node, matrix, inputs: candidates, blocked: { code: 'ACTION_FOREACH_NO_ITEMS', upstream: false,
        message: `'${node.name}' fans out over '${node.foreach}', but '${source.id}' lists no items (does it produce any? foreach needs an upstream that lists items, like a dataset)` } });
      continue;
    }
    const label = source.itemLabel ?? 'item';
    for (const item of source.items) {
      const perItem: Record<string, Outcome[]> = {};
      for (const [input, list] of Object.entries(candidates)) {
        perItem[input] = list.filter((o) => o.itemSource !== source.id || o.item?.id === item.id);
      }
      const id = actionId(node.name, matrix, { label, id: item.id });
      out.push({ ...finish(id, node, matrix, perItem, usable), item, itemSource: source.id });
    }
  }
  return out;
}

function finish(id: string, node: PlannedNode, matrix: Record<string, Scalar>, inputs: Record<string, Outcome[]>,
  usable: (o: Outcome) => boolean): ActionSpec {
  const bad = Object.values(inputs).flat().filter((o) => !usable(o));
  const base = { id, node, matrix, inputs };
  if (bad.length === 0) return base;
  return { ...base, blocked: { code: 'UPSTREAM_NOT_DONE', upstream: true, message: `upstream ${bad.map((o) => `'${o.id}'`).join(', ')} did not produce output` } };
}
