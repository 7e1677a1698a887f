/** Pure graph helpers over node names: cycle detection, topological order, target closure. */

/** The first cycle found, as a node list that starts and ends with the same node, or undefined. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1 visiting, 2 done
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 2) return undefined;
    if (s === 1) return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 1);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** Nodes reachable from `roots` through their dependencies, each after what it depends on. */
function postorder(deps: ReadonlyMap<string, readonly string[]>, roots: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string): void => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const d of deps.get(n) ?? []) visit(d);
    out.push(n);
  };
  for (const r of roots) visit(r);
  return out;
}

/** Dependencies before dependents; ties keep declaration order. Assumes no cycle. */
export function topoOrder(deps: ReadonlyMap<string, readonly string[]>): string[] {
  return postorder(deps, deps.keys());
}

/** The targets and everything they transitively need. */
export function closure(deps: ReadonlyMap<string, readonly string[]>, targets: readonly string[]): Set<string> {
  return new Set(postorder(deps, targets));
}
