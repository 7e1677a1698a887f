/**
 * Pure graph helpers over node names: cycle detection, topological order, target closure. Iterative, so a
 * chain of 100,000 nodes is as fine as a short one (recursion would run out of stack).
 */

type Deps = ReadonlyMap<string, readonly string[]>;

/**
 * Depth-first walk from each root: `done(n)` once all of n's dependencies are done; `back(n, stack)` when
 * n is reached again while still on the path (a cycle). Returns what `back` returns, if anything.
 */
function walk<T>(deps: Deps, roots: Iterable<string>, done: (n: string) => void, back?: (n: string, path: string[]) => T): T | undefined {
  const state = new Map<string, 1 | 2>(); // 1 on the path, 2 done
  for (const root of roots) {
    if (state.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    state.set(root, 1);
    while (path.length) {
      const n = path[path.length - 1];
      const list = deps.get(n) ?? [];
      const i = next[next.length - 1]++;
      if (i < list.length) {
        const d = list[i];
        const s = state.get(d);
        if (s === 1) {
          const r = back?.(d, path);
          if (r !== undefined) return r;
        } else if (s === undefined) {
          state.set(d, 1);
          path.push(d);
          next.push(0);
        }
        continue;
      }
      state.set(n, 2);
      done(n);
      path.pop();
      next.pop();
    }
  }
  return undefined;
}

/** The first cycle found, as a node list that starts and ends with the same node, or undefined. */
export function findCycle(deps: Deps): string[] | undefined {
  return walk(deps, deps.keys(), () => undefined, (n, path) => [...path.slice(path.indexOf(n)), n]);
}

/** Nodes reachable from `roots` through their dependencies, each after what it depends on. */
function postorder(deps: Deps, roots: Iterable<string>): string[] {
  const out: string[] = [];
  walk(deps, roots, (n) => out.push(n));
  return out;
}

/** Dependencies before dependents; ties keep declaration order. Assumes no cycle. */
export function topoOrder(deps: Deps): string[] {
  return postorder(deps, deps.keys());
}

/** The targets and everything they transitively need. */
export function closure(deps: Deps, targets: readonly string[]): Set<string> {
  return new Set(postorder(deps, targets));
}
