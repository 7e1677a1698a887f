/** A hand-made ActionContext for calling a planning node's run() directly in unit tests. */
import type { ActionContext, InputArtifact, Item } from '../../src/engine/types.js';

export const artifact = (node: string, dir: string, items: Item[] = []): InputArtifact =>
  ({ action: node, node, digest: node, dir, matrix: {}, items, metrics: {} });

export function context<P>(params: P, outDir: string, inputs: Record<string, InputArtifact[]> = {}, item?: Item,
  logs: string[] = []): ActionContext<P> {
  return {
    params,
    inputs,
    input: (name) => {
      const list = inputs[name] ?? [];
      if (list.length !== 1) throw new Error(`need '${name}' has ${list.length} inputs`);
      return list[0];
    },
    item,
    matrix: {},
    outDir,
    scratchDir: outDir,
    external: {},
    signal: new AbortController().signal,
    progress: () => {},
    log: (m) => logs.push(m),
    actionId: 'test',
  };
}
