import { describe, expect, it } from 'vitest';
import { interpolate, mentions, type RefProblem } from './interpolate.js';

describe('interpolate', () => {
  const params = { folds: [0, 1], train: { epochs: 5 }, name: 'x' };
  it('keeps the type of a whole-value reference and stringifies inside text', () => {
    const problems: RefProblem[] = [];
    expect(interpolate({ f: '${params.folds}', e: '${ params.train.epochs }', s: 'run-${params.train.epochs}-${params.name}', l: 'l=${params.folds}' },
      { params }, [], problems)).toEqual({ f: [0, 1], e: 5, s: 'run-5-x', l: 'l=[0,1]' });
    expect(problems).toEqual([]);
  });
  it('leaves namespaces not in scope for a later phase, and reports unknown paths with their place', () => {
    const problems: RefProblem[] = [];
    const out = interpolate({ a: ['${matrix.fold}', '${params.nope}', '${env.HOME}'] }, { params }, ['nodes', 'n', 'with'], problems);
    expect(out).toEqual({ a: ['${matrix.fold}', '${params.nope}', '${env.HOME}'] });
    expect(problems).toEqual([
      { path: ['nodes', 'n', 'with', 'a', 1], message: "unknown reference '${params.nope}'" },
      { path: ['nodes', 'n', 'with', 'a', 2], message: "unknown reference '${env.HOME}' (use params., matrix. or item.)" },
    ]);
    expect(mentions(out, 'matrix')).toBe(true);
    expect(mentions(out, 'item')).toBe(false);
  });
  it('reaches into item data and list elements', () => {
    const problems: RefProblem[] = [];
    expect(interpolate('${item.data.files.1}', { item: { id: 'c1', data: { files: ['a', 'b'] } } }, [], problems)).toBe('b');
    expect(problems).toEqual([]);
  });
});
