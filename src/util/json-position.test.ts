import { describe, expect, it } from 'vitest';
import { jsonErrorPosition, locateJson } from './json-position.js';

const errorOf = (text: string): unknown => {
  try {
    JSON.parse(text);
  } catch (e) {
    return e;
  }
  throw new Error('parsed');
};

describe('jsonErrorPosition', () => {
  it('points at the offending character', () => {
    const text = '{\n  "a": 1,\n  "b": 2,\n}\n';
    expect(jsonErrorPosition(text, errorOf(text))).toEqual({ line: 4, column: 1 });
  });
  it('points at the start for a byte order mark', () => {
    const text = '\ufeff{"a": 1}';
    expect(jsonErrorPosition(text, errorOf(text))).toEqual({ line: 1, column: 1 });
  });
  it('points at an unexpected token, which V8 quotes with context instead of a position', () => {
    for (const text of ['[}', '{"postprocessing_fns": [}', '{"a": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, }, 1]}', '{"long": "abcdefghijklmnop", "x": [}']) {
      expect(jsonErrorPosition(text, errorOf(text)), text).toEqual({ line: 1, column: text.indexOf('}') + 1 });
    }
    const multi = '{\n  "a": [1,\n   }\n}';
    expect(jsonErrorPosition(multi, errorOf(multi))).toEqual({ line: 3, column: 4 });
  });
  it('points past the end for truncated input', () => {
    const text = '{\n  "a": [1, 2';
    expect(jsonErrorPosition(text, errorOf(text))).toEqual({ line: 2, column: 13 });
  });
});

describe('locateJson', () => {
  const text = '{\n\t"labels": {"background": 0, "a": 1},\n  "numTraining": "3",\n  "dataset": {"x": {}, "y": {},\n  "x": {}}\n}';
  it('finds the value at a key path, or its nearest parent', () => {
    const loc = locateJson(text);
    expect(loc.at(['numTraining'])).toEqual({ line: 3, column: 18 });
    expect(loc.at(['labels', 'a'])).toEqual({ line: 2, column: 35 });
    expect(loc.at(['labels', 'missing'])).toEqual({ line: 2, column: 12 });
    expect(loc.at([])).toEqual({ line: 1, column: 1 });
    // an index from a JSON pointer arrives as a string
    expect(locateJson('{"a": [\n  1,\n  "x"\n]}').at(['a', '1'])).toEqual({ line: 3, column: 3 });
  });
  it('lists keys that appear twice in one object', () => {
    expect(locateJson(text).duplicateKeys).toEqual([{ key: 'x', line: 5, column: 3 }]);
    expect(locateJson('{"a": {"b": 1}, "b": 2}').duplicateKeys).toEqual([]);
  });
});
