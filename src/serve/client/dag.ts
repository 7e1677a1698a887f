/** The run page's DAG: the report's SVG, with each node's counts recomputed from the actions as events arrive. */
import type { DagNode } from '../../report/dag.js';
import { dagSvg } from '../../report/dag-svg.js';
import type { ActionView, GraphNode } from '../shared/types.js';

export function dagNodesOf(graph: readonly GraphNode[], actions: Iterable<ActionView>): DagNode[] {
  const nodes = new Map(graph.map((g) => [g.name, { ...g, counts: {} as Record<string, number>, durationMs: 0 }]));
  for (const a of actions) {
    const n = nodes.get(a.node);
    if (!n) continue;
    n.counts[a.status] = (n.counts[a.status] ?? 0) + 1;
    n.durationMs += a.status === 'running' && a.startedAt ? Date.now() - a.startedAt : a.durationMs;
  }
  return [...nodes.values()];
}

/** Draws into `box`, keeping the selected node marked. */
export function drawDag(box: HTMLElement, graph: readonly GraphNode[], actions: Iterable<ActionView>, selected?: string): void {
  box.innerHTML = dagSvg(dagNodesOf(graph, actions));
  if (selected) box.querySelector(`g.node[data-node="${CSS.escape(selected)}"]`)?.classList.add('sel');
}
