/**
 * The pipeline's node graph as drawn in the report: one box per pipeline node (its fanned-out actions
 * collapsed into counts per status), placed in layers by longest path from the roots.
 */
import { parse } from 'yaml';
import { needRefs, type RawNeeds, type RunNodeRecord } from '../engine/index.js';

export interface DagNode {
  name: string;
  kind: string;
  needs: string[];
  /** actions of this node per status (ran, cached, failed, ...) */
  counts: Record<string, number>;
  /** summed action time */
  durationMs: number;
  layer: number;
}

interface RawNode { uses?: string; needs?: RawNeeds }

/** Kind and needs of each node as written in the pipeline text (list or input -> node map), in text order. */
export function nodesFromText(text: string): Map<string, { kind: string; needs: string[] }> {
  const out = new Map<string, { kind: string; needs: string[] }>();
  let doc: { nodes?: Record<string, RawNode> } | undefined;
  try {
    doc = parse(text) as typeof doc;
  } catch {
    return out;
  }
  for (const [name, raw] of Object.entries(doc?.nodes ?? {})) {
    const needs = needRefs(raw?.needs).map((n) => n.node);
    out.set(name, { kind: String(raw?.uses ?? '?'), needs: [...new Set(needs.filter((n) => typeof n === 'string'))] });
  }
  return out;
}

/**
 * `pending`: nodes of the text to show before they have an action (a run in progress: the nodes it plans), with no counts.
 * `actions` are the run record's nodes or a live run's actions so far.
 */
export function dagNodes(record: { pipeline: { text: string }; nodes: ReadonlyArray<Pick<RunNodeRecord, 'node' | 'kind' | 'durationMs'> & { status: string }> },
  pending: readonly string[] = []): DagNode[] {
  const fromText = nodesFromText(record.pipeline.text);
  const byName = new Map<string, DagNode>();
  for (const name of pending) {
    const t = fromText.get(name);
    if (t) byName.set(name, { name, kind: t.kind, needs: [], counts: {}, durationMs: 0, layer: 0 });
  }
  for (const a of record.nodes) {
    let n = byName.get(a.node);
    if (!n) {
      n = { name: a.node, kind: a.kind, needs: [], counts: {}, durationMs: 0, layer: 0 };
      byName.set(a.node, n);
    }
    n.counts[a.status] = (n.counts[a.status] ?? 0) + 1;
    n.durationMs += a.durationMs;
  }
  for (const n of byName.values()) n.needs = (fromText.get(n.name)?.needs ?? []).filter((d) => byName.has(d));
  const layerOf = (n: DagNode, seen: Set<string>): number => {
    if (seen.has(n.name)) return 0; // a cycle cannot come out of the engine; guard anyway
    seen.add(n.name);
    const l = n.needs.length ? 1 + Math.max(...n.needs.map((d) => layerOf(byName.get(d)!, seen))) : 0;
    seen.delete(n.name);
    return l;
  };
  for (const n of byName.values()) n.layer = layerOf(n, new Set());
  return [...byName.values()];
}
