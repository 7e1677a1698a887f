import { describe, expect, it } from 'vitest';
import type { KeyParts } from './action-key.js';
import { describeReason, diffTrees, explain } from './explain.js';

const base: KeyParts = { kind: 'k', version: '1', params: { a: 1, b: { c: [1, 2] } }, inputs: { x: [['up', 'd1']] }, external: { '/data': 'e1' } };

describe('explain', () => {
  it('names each changed part: param path, input producer, item, external path, version', () => {
    const now: KeyParts = { ...base, version: '2', params: { a: 1, b: { c: [1, 3] }, d: true }, inputs: { x: [['up', 'd2'], ['up2', 'd3']] },
      item: { id: 'case_1', digest: 'i2' }, external: { '/data': 'e2' } };
    expect(explain({ ...base, item: { id: 'case_1', digest: 'i1' } }, now)).toEqual([
      { kind: 'version', was: '1', now: '2' },
      { kind: 'param', path: 'b.c', was: [1, 2], now: [1, 3] },
      { kind: 'param', path: 'd', now: true },
      { kind: 'input', name: 'x', change: 'changed', action: 'up', was: 'd1', now: 'd2' },
      { kind: 'input', name: 'x', change: 'added', action: 'up2', now: 'd3' },
      { kind: 'item', id: 'case_1', was: 'i1', now: 'i2' },
      { kind: 'external', path: '/data', change: 'changed', was: 'e1', now: 'e2' },
    ]);
    expect(describeReason({ kind: 'param', path: 'd', now: true })).toBe('param d changed (unset) -> true');
  });
  it('lists which files of a folder changed', () => {
    const t = (files: Array<[string, string]>) => ({ files: files.map(([path, digest]) => ({ path, size: 1, digest })) });
    expect(diffTrees(t([['a', '1'], ['b', '2'], ['c', '3']]), t([['a', '1'], ['b', '9'], ['d', '4']]))).toEqual([
      { path: 'b', change: 'changed' }, { path: 'c', change: 'removed' }, { path: 'd', change: 'added' },
    ]);
  });
});
