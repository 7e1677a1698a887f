import { describe, expect, it } from 'vitest';
import { jsonErrorPosition } from './json-position.js';

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
  it('points past the end for truncated input', () => {
    const text = '{\n  "a": [1, 2';
    expect(jsonErrorPosition(text, errorOf(text))).toEqual({ line: 2, column: 13 });
  });
});
