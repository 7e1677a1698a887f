import { describe, expect, it } from 'vitest';
import type { NodeKind } from '../types.js';
import { checkKindParams } from './kind-params.js';

const kind = (params: object): NodeKind => ({ kind: 'k', version: '1', description: '', params, run: async () => undefined });

describe('checkKindParams', () => {
  const schema = {
    type: 'object', required: ['data'],
    properties: { data: { type: 'string', format: 'path' }, extra: { type: 'array', items: { type: 'string', format: 'path' }, default: ['x'] }, n: { type: 'integer', default: 3 } },
  };
  it('applies defaults, then resolves path params (defaults included) against the pipeline folder', () => {
    expect(checkKindParams(kind(schema), { data: 'd', }, '/base')).toEqual({ params: { data: '/base/d', extra: ['/base/x'], n: 3 }, problems: [] });
    expect(checkKindParams(kind(schema), { data: '/abs' }, '/base').params).toMatchObject({ data: '/abs' });
    // one folder, one spelling: a trailing slash or a detour through .. keys as the plain path does
    expect(checkKindParams(kind(schema), { data: '/abs/ds/' }, '/base').params).toMatchObject({ data: '/abs/ds' });
    expect(checkKindParams(kind(schema), { data: '/abs/x/../ds' }, '/base').params).toMatchObject({ data: '/abs/ds' });
  });
  it('rejects unknown keys unless the kind allows them, and reports all problems', () => {
    expect(checkKindParams(kind(schema), { n: 'x', colour: 1 }, '/b').problems.map((p) => [p.path.join('/'), p.key, p.message])).toEqual([
      ['', false, "missing required key 'data'"], ['colour', true, "unknown key 'colour'"], ['n', false, 'must be integer, got "x"'],
    ]);
    expect(checkKindParams(kind({ ...schema, required: [], additionalProperties: true }), { colour: 1 }, '/b').problems).toEqual([]);
  });
  it('compiles two kinds that share a schema with an $id', () => {
    const withId = { $id: 'urn:test:shared', ...schema };
    expect(checkKindParams(kind(withId), { data: 'a' }, '/b').problems).toEqual([]);
    expect(checkKindParams(kind({ ...withId }), { data: 'a' }, '/b').problems).toEqual([]);
  });
});
