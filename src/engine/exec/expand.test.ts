import { describe, expect, it } from 'vitest';
import type { PlannedNode } from '../pipeline/plan.js';
import type { NodeKind, Scalar } from '../types.js';
import { actionId, expandNode } from './expand.js';
import { usable, type Outcome } from './outcome.js';

const kind = { kind: 'k', version: '1', description: '', params: {}, run: async () => undefined } as NodeKind;
const node = (name: string, over: Partial<PlannedNode>): PlannedNode =>
  ({ name, uses: 'k', kind, needs: [], matrixKeys: [], combos: [{}], template: {}, ...over });
const out = (id: string, nodeName: string, matrix: Record<string, Scalar> = {}, extra: Partial<Outcome> = {}): Outcome =>
  ({ id, node: nodeName, kind: 'k', matrix, status: 'ran', key: 'k', durationMs: 0, output: `d-${id}`, items: [], metrics: {}, log: [], ...extra });

describe('expandNode', () => {
  it('names actions by matrix values in declaration order, then the item', () => {
    expect(actionId('preprocess', { configuration: '3d_fullres' }, { label: 'case', id: 'hippocampus_001' }))
      .toBe('preprocess[configuration=3d_fullres,case=hippocampus_001]');
    expect(actionId('plan', {})).toBe('plan');
  });

  it('fans out over the items of the foreach source and matches per-item upstreams item by item', () => {
    const ds = out('dataset', 'dataset', {}, { items: [{ id: 'a', digest: '1' }, { id: 'b', digest: '2' }], itemLabel: 'case' });
    const fp = ['a', 'b'].map((i) => out(`fp[case=${i}]`, 'fp', {}, { item: { id: i, digest: i }, itemSource: 'dataset' }));
    const specs = expandNode(node('pre', { needs: [{ input: 'dataset', node: 'dataset' }, { input: 'fp', node: 'fp' }], foreach: 'dataset',
      matrixKeys: ['c'], combos: [{ c: '2d' }, { c: '3d' }] }), new Map([['dataset', [ds]], ['fp', fp]]), usable);
    expect(specs.map((s) => s.id)).toEqual(['pre[c=2d,case=a]', 'pre[c=2d,case=b]', 'pre[c=3d,case=a]', 'pre[c=3d,case=b]']);
    expect(specs[1].inputs.fp.map((o) => o.id)).toEqual(['fp[case=b]']);
    expect(specs[1].itemSource).toBe('dataset');
  });

  it('matches shared matrix keys and gathers the rest', () => {
    const prep = ['2d', '3d'].map((c) => out(`prep[c=${c}]`, 'prep', { c }));
    const specs = expandNode(node('train', { needs: [{ input: 'prep', node: 'prep' }], matrixKeys: ['c', 'fold'],
      combos: [{ c: '3d', fold: 0 }] }), new Map([['prep', prep]]), usable);
    expect(specs[0].inputs.prep.map((o) => o.id)).toEqual(['prep[c=3d]']);
    const gather = expandNode(node('best', { needs: [{ input: 'prep', node: 'prep' }] }), new Map([['prep', prep]]), usable);
    expect(gather[0].inputs.prep).toHaveLength(2);
  });

  it('an input that names several nodes gets the matching instances of each, in need order', () => {
    const a = ['2d', '3d'].map((c) => out(`a[c=${c}]`, 'a', { c }));
    const b = [out('b[c=low]', 'b', { c: 'low' })];
    const needs = [{ input: 'runs', node: 'a' }, { input: 'runs', node: 'b' }];
    const upstream = new Map([['a', a], ['b', b]]);
    const per = expandNode(node('ev', { needs, matrixKeys: ['c'], combos: [{ c: '3d' }, { c: 'low' }] }), upstream, usable);
    expect(per.map((s) => s.inputs.runs.map((o) => o.id))).toEqual([['a[c=3d]'], ['b[c=low]']]);
    expect(expandNode(node('best', { needs }), upstream, usable)[0].inputs.runs.map((o) => o.id)).toEqual(['a[c=2d]', 'a[c=3d]', 'b[c=low]']);
  });

  it('blocks actions behind failed upstreams and ambiguous fan-out sources', () => {
    const failed = out('a', 'a', {}, { status: 'failed', output: undefined });
    expect(expandNode(node('b', { needs: [{ input: 'a', node: 'a' }] }), new Map([['a', [failed]]]), usable)[0].blocked)
      .toMatchObject({ code: 'UPSTREAM_NOT_DONE', upstream: true });
    const two = [out('s[x=1]', 's', { x: 1 }), out('s[x=2]', 's', { x: 2 })];
    expect(expandNode(node('c', { needs: [{ input: 's', node: 's' }], foreach: 's' }), new Map([['s', two]]), usable)[0].blocked)
      .toMatchObject({ code: 'ACTION_FOREACH_AMBIGUOUS', upstream: false });
  });
});
