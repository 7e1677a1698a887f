import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, parsePythonJson, pyFloat, pyJsonStringify } from './py-json.js';

describe('Python json.dump compatibility', () => {
  it('formats floats as Python repr', () => {
    const cases: Array<[number, string]> = [[1, '1.0'], [0.5, '0.5'], [1e-5, '1e-05'], [0.0001, '0.0001'], [123456789012345680, '1.2345678901234568e+17'],
      [1e16, '1e+16'], [9999999999999998, '9999999999999998.0'], [-2.5e-7, '-2.5e-07'], [0, '0.0'], [NaN, 'NaN'], [0.1 + 0.2, '0.30000000000000004']];
    for (const [x, s] of cases) expect(pyFloat(x)).toBe(s);
  });
  it('indents like json.dump(indent=4), escapes non-ASCII, sorts keys on request', () => {
    const text = pyJsonStringify({ b: [1, 2.5], a: { é: [] }, c: {} }, { isFloat: (p) => p[0] === 'b', sortKeys: () => true });
    expect(text).toBe('{\n    "a": {\n        "\\u00e9": []\n    },\n    "b": [\n        1.0,\n        2.5\n    ],\n    "c": {}\n}');
  });
  it('reads NaN / Infinity as numbers, or as null on request, and leaves strings alone', () => {
    const text = '{"a": NaN, "b": [-Infinity, 1, Infinity], "c": "NaN", "d": "x\\"NaN"}';
    expect(parsePythonJson(text)).toEqual({ a: NaN, b: [-Infinity, 1, Infinity], c: 'NaN', d: 'x"NaN' });
    expect(parsePythonJson(text, { nonFinite: 'null' })).toEqual({ a: null, b: [null, 1, null], c: 'NaN', d: 'x"NaN' });
  });
  it('reads a long string and refuses deep nesting in linear time, naming the position', () => {
    // a regular expression over the strings overflowed its backtrack stack on this; the deep file exhausted memory
    const long = `{"s": "${'a\\"'.repeat(2_000_000)}", "x": NaN}`;
    expect((parsePythonJson(long) as { x: number }).x).toBeNaN();
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(() => parsePythonJson(deep)).toThrow(new RegExp(`nested deeper than ${MAX_JSON_DEPTH} levels at position ${MAX_JSON_DEPTH}$`));
    expect(parsePythonJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
  });
});
