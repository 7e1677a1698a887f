import { describe, expect, it } from 'vitest';
import { applyOverrides, parseValue } from './overrides.js';

describe('--set overrides', () => {
  it('parses values as YAML scalars, keeping odd text as text', () => {
    expect(parseValue('5')).toBe(5);
    expect(parseValue('[0, 1]')).toEqual([0, 1]);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('3d_fullres')).toBe('3d_fullres');
    expect(parseValue('!')).toBe('!');
    expect(parseValue('null')).toBeNull();
  });
  it('sets nested params without touching the input', () => {
    const params = { train: { epochs: 1000, lr: 0.01 }, folds: [0, 1] };
    expect(applyOverrides(params, { 'train.epochs': '5', folds: '[3]' })).toEqual({ train: { epochs: 5, lr: 0.01 }, folds: [3] });
    expect(params.train.epochs).toBe(1000);
  });
  it('rejects every unknown param at once', () => {
    try {
      applyOverrides({ train: { epochs: 1 } }, { 'train.epoch': '5', nope: '1' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'PIPELINE_UNKNOWN_PARAM', issues: [{ path: '/params/train/epoch' }, { path: '/params/nope' }] });
    }
  });
  it('a deeply nested value is refused in a short message that echoes only its start', () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    expect(() => applyOverrides({ x: 1 }, { x: deep })).toThrow(/^--set x=\[{60}\.\.\. \(10000 characters\): not valid YAML\/JSON \(nested too deeply\); quote it to pass text$/);
  });
});
