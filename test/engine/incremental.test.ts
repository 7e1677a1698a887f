import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeReason, runPipeline, statusPipeline, type RunRecord } from '../../src/engine/index.js';
import { makeProject, type Project } from './fixture.js';
import { toyKinds, type Toy } from './toy-kinds.js';

let p: Project;
let toy: Toy;
const run = (extra: Partial<Parameters<typeof runPipeline>[0]> = {}) =>
  runPipeline({ pipelineFile: p.pipeline, kinds: toy.kinds, storeDir: p.store, runsDir: p.runs, quiet: true, ...extra });
const status = (set?: Record<string, string>) => statusPipeline({ pipelineFile: p.pipeline, kinds: toy.kinds, storeDir: p.store, set });
const byStatus = (r: RunRecord, s: string) => r.nodes.filter((n) => n.status === s).map((n) => n.id).sort();

beforeEach(async () => {
  p = await makeProject();
  toy = toyKinds();
});
afterEach(() => p.cleanup());

describe('incremental execution', () => {
  it('runs every action once, then a second run executes nothing', async () => {
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.map((n) => n.id)).toEqual(['src', 'up[case=a]', 'up[case=b]', 'up[case=c]', 'cls[case=a]', 'cls[case=b]', 'cls[case=c]', 'all']);
    expect(byStatus(first, 'ran')).toHaveLength(8);
    expect(first.metrics['up[case=c]']).toEqual({ chars: 3 });
    toy.reset();
    const second = await run();
    expect(toy.calls).toEqual([]);
    expect(byStatus(second, 'cached')).toHaveLength(8);
    expect(second.nodes.map((n) => n.outputs)).toEqual(first.nodes.map((n) => n.outputs));
    expect((await status()).fresh).toBe(true);
  });

  it('editing one item reruns only its branch, and early cutoff stops the cascade', async () => {
    await run();
    toy.reset();
    await p.write('data/b.txt', 'bbb'); // still "short": cls[case=b] reproduces its output
    const st = await status();
    const src = st.actions.find((a) => a.id === 'src')!;
    expect(src.state).toBe('stale');
    expect(src.reasons).toMatchObject([{ kind: 'external', change: 'changed', files: [{ path: 'b.txt', change: 'changed' }] }]);
    const r = await run();
    expect(toy.calls.sort()).toEqual(['cls[case=b]', 'src', 'up[case=b]']);
    expect(r.nodes.find((n) => n.id === 'all')!.status).toBe('cached');

    toy.reset();
    await p.write('data/c.txt', 'cccccc'); // now "long": the change reaches the gather node
    await run({ targets: ['src'] });
    const st2 = await status();
    const stale = st2.actions.filter((a) => a.state === 'stale');
    expect(stale.map((a) => a.id)).toEqual(['up[case=c]', 'cls[case=c]', 'all']);
    expect(stale[0].reasons).toMatchObject([{ kind: 'item', id: 'c' }]);
    expect(stale[1].reasons).toMatchObject([{ kind: 'upstream', name: 'up', actions: ['up[case=c]'] }]);
    toy.reset();
    await run();
    expect(toy.calls.sort()).toEqual(['all', 'cls[case=c]', 'up[case=c]']);
  });

  it('a param change invalidates exactly its dependents, and status names the param', async () => {
    await run();
    toy.reset();
    const st = await status({ sep: ',' });
    expect(st.actions.filter((a) => a.state === 'stale').map((a) => a.id)).toEqual(['all']);
    const reason = st.actions.find((a) => a.id === 'all')!.reasons;
    expect(reason).toEqual([{ kind: 'param', path: 'sep', was: '|', now: ',' }]);
    expect(describeReason(reason[0])).toBe('param sep changed "|" -> ","');
    const r1 = await run({ set: { sep: ',' } });
    expect(toy.calls).toEqual(['all']);
    expect(r1.nodes.find((n) => n.id === 'all')!.why).toEqual(['param sep changed "|" -> ","']);

    toy.reset();
    const r = await run({ set: { suffix: '!' } });
    // every branch reruns; the length classes stay the same, so the gather node is cut off
    expect(toy.calls.sort()).toEqual(['cls[case=a]', 'cls[case=b]', 'cls[case=c]', 'up[case=a]', 'up[case=b]', 'up[case=c]']);
    expect(r.nodes.find((n) => n.id === 'all')!.status).toBe('cached');
  });

  it('adding an item runs only the new branch and the gather node', async () => {
    await run();
    toy.reset();
    await p.write('data/d.txt', 'dddddddd');
    await run();
    expect(toy.calls.sort()).toEqual(['all', 'cls[case=d]', 'src', 'up[case=d]']);
  });
});
