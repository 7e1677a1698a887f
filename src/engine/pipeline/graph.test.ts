import { describe, expect, it } from 'vitest';
import { closure, findCycle, topoOrder } from './graph.js';

const g = (o: Record<string, string[]>) => new Map(Object.entries(o));

describe('graph helpers', () => {
  it('finds a cycle and names it from its first node back to itself', () => {
    expect(findCycle(g({ a: ['c'], b: ['a'], c: ['b'] }))).toEqual(['a', 'c', 'b', 'a']);
    expect(findCycle(g({ a: [], b: ['a'], c: ['a', 'b'] }))).toBeUndefined();
    expect(findCycle(g({ a: ['a'] }))).toEqual(['a', 'a']);
  });
  it('orders dependencies first and keeps declaration order otherwise', () => {
    expect(topoOrder(g({ c: ['b'], a: [], b: ['a'], d: [] }))).toEqual(['a', 'b', 'c', 'd']);
  });
  it('closes targets over what they need', () => {
    expect([...closure(g({ a: [], b: ['a'], c: ['b'], d: ['a'] }), ['c'])].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('graph walks without recursion', () => {
  it('orders and checks a chain of 200,000 nodes', () => {
    const n = 200_000;
    const deps = new Map(Array.from({ length: n }, (_, i) => [`n${i}`, i ? [`n${i - 1}`] : []] as [string, string[]]));
    expect(findCycle(deps)).toBeUndefined();
    expect(topoOrder(deps)[n - 1]).toBe(`n${n - 1}`);
    deps.set('n0', [`n${n - 1}`]);
    expect(findCycle(deps)?.length).toBe(n + 1);
  });
});
