import { afterEach, describe, expect, it } from 'vitest';
import { watchPipeline, type WatchCycle } from '../../src/engine/index.js';
import { makeProject, TOY_PIPELINE, type Project } from './fixture.js';
import { toyKinds } from './toy-kinds.js';

let p: Project | undefined;
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  await p?.cleanup();
});

/** Starts watch mode in-process and returns a way to await the n-th finished cycle. */
async function startWatch(pipeline: string) {
  p = await makeProject(undefined, pipeline);
  const toy = toyKinds();
  const cycles: WatchCycle[] = [];
  const ac = new AbortController();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => { ready = r; });
  const done = watchPipeline({
    pipelineFile: p.pipeline, kinds: toy.kinds, storeDir: p.store, runsDir: p.runs, debounceMs: 100, signal: ac.signal,
    onReady: ready, onCycle: (c) => cycles.push(c),
  });
  stop = async () => { ac.abort(); await done; stop = undefined; };
  await isReady;
  const cycle = async (n: number): Promise<WatchCycle> => {
    const end = Date.now() + 20_000;
    while (cycles.filter((c) => c.record || c.error).length < n) {
      if (Date.now() > end) throw new Error(`no cycle ${n}; got ${JSON.stringify(cycles.map((c) => c.changed))}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return cycles.filter((c) => c.record || c.error)[n - 1];
  };
  return { toy, cycles, cycle, project: p };
}

const ran = (c: WatchCycle) => c.record!.nodes.filter((n) => n.status === 'ran').map((n) => n.id).sort();

describe('watch mode', () => {
  it('touching an input reruns its branch; editing the YAML re-plans', async () => {
    const w = await startWatch(TOY_PIPELINE);
    expect(ran(await w.cycle(1))).toHaveLength(8);
    await w.project.write('data/b.txt', 'bbbbbbbb');
    const second = await w.cycle(2);
    expect(second.changed.map((c) => c.split('/').pop())).toEqual(['b.txt']);
    expect(ran(second)).toEqual(['all', 'cls[case=b]', 'src', 'up[case=b]']);
    await w.project.write('pipeline.yaml', TOY_PIPELINE.replace('sep: "|"', 'sep: "+"'));
    const third = await w.cycle(3);
    expect(ran(third)).toEqual(['all']);
    await w.project.write('pipeline.yaml', 'version: 1\nnodes: [oops\n');
    const fourth = await w.cycle(4);
    expect(fourth.error).toMatchObject({ code: 'PIPELINE_YAML' });
  });

  it('aborts only the in-flight actions whose input changed', async () => {
    const w = await startWatch(`version: 1
name: slowwatch
nodes:
  src: { uses: files, with: { dir: ./data } }
  up:  { uses: value, needs: [src], foreach: src, with: { value: "\${item.id}", delayMs: 1500 } }
`);
    const end = Date.now() + 10_000;
    while (w.toy.calls.filter((c) => c.startsWith('up')).length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await w.project.write('data/b.txt', 'changed');
    const first = await w.cycle(1);
    expect(w.cycles.find((c) => c.aborted.length)?.aborted).toEqual(['up[case=b]']);
    expect(Object.fromEntries(first.record!.nodes.map((n) => [n.id, n.status]))).toMatchObject({ 'up[case=a]': 'ran', 'up[case=b]': 'aborted' });
    const second = await w.cycle(2);
    expect(ran(second)).toEqual(['src', 'up[case=b]']);
  });

  it('aborts an action whose upstream input changed even when that upstream came from the cache this cycle', async () => {
    const pipeline = (v: string) => `version: 1
name: cachedupstream
nodes:
  src:  { uses: files, with: { dir: ./data } }
  slow: { uses: value, needs: [src], with: { value: "${v}", delayMs: 1500 } }
`;
    const w = await startWatch(pipeline('one'));
    expect(ran(await w.cycle(1))).toEqual(['slow', 'src']);
    // a YAML edit reruns slow alone (src is cached); while it runs, a data file changes under the cached src
    const before = w.toy.calls.length;
    await w.project.write('pipeline.yaml', pipeline('two'));
    const end = Date.now() + 10_000;
    while (w.toy.calls.length === before && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await w.project.write('data/a.txt', 'changed');
    const second = await w.cycle(2);
    expect(Object.fromEntries(second.record!.nodes.map((n) => [n.id, n.status]))).toMatchObject({ src: 'cached', slow: 'aborted' });
    const third = await w.cycle(3);
    expect(ran(third)).toEqual(['slow', 'src']);
  });
});
