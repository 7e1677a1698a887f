import { describe, expect, it } from 'vitest';
import type { RunNodeRecord, RunRecord } from '../engine/index.js';
import { compareRuns, formatComparison, parseCompareFormat } from './compare.js';

const node = (id: string, kind: string, matrix: Record<string, unknown>, metrics: Record<string, unknown>): RunNodeRecord =>
  ({ id, node: id.split('[')[0], kind, status: 'ran', key: 'k', durationMs: 1, outputs: { digest: 'd' }, metrics, matrix });

function run(id: string, epochs: number, dice1: number | null, extra: Record<string, unknown> = {}): RunRecord {
  return {
    id, status: 'succeeded', metrics: {}, pipeline: { digest: 'p', text: '' }, startedAt: id, durationMs: 1, environment: {},
    params: { cases: 20, train: { epochs, seed: 1 }, ...extra },
    git: { commit: `c-${id}`, dirty: id === 'b' },
    nodes: [
      node('evaluate[configuration=2d]', 'evaluate', { configuration: '2d' }, { dice: { 1: dice1, 2: 0.5 }, mean_fg_dice: 0.6 }),
      node('validate[configuration=2d,fold=1]', 'validate', { configuration: '2d', fold: 1 }, { dice: { 1: 0.7 }, mean_fg_dice: 0.7 }),
      node('validate[configuration=2d,fold=0]', 'validate', { configuration: '2d', fold: 0 }, { dice: { 1: 0.8 }, mean_fg_dice: 0.8 }),
    ],
  };
}

describe('compareRuns', () => {
  const c = compareRuns([run('a', 5, 0.9), run('b', 10, null, { note: 'x,"y"' })]);

  it('keeps only differing params and lines up Dice per configuration, scope and label', () => {
    // a param one run lacks is named as missing there (JSON would turn it into a null no one wrote)
    expect(c.params).toEqual([{ key: 'note', values: [undefined, 'x,"y"'], missing: [0] }, { key: 'train.epochs', values: [5, 10] }]);
    expect(c.metrics.map((m) => `${m.scope}/${m.label}`)).toEqual([
      'cross-validation/1', 'cross-validation/2', 'cross-validation/foreground mean', 'fold 0/1', 'fold 0/foreground mean', 'fold 1/1', 'fold 1/foreground mean',
    ]);
    expect(c.metrics[0].values).toEqual([0.9, null]);
    expect(c.runs.map((r) => r.commit)).toEqual(['c-a', 'c-b+dirty']);
  });

  it('prints Markdown, CSV (quoted) and JSON', () => {
    const md = formatComparison(c, 'md').split('\n');
    expect(md[0]).toBe('| section | key | a | b |');
    expect(md).toContain('| param | train.epochs | 5 | 10 |');
    expect(md).toContain('| dice | 2d cross-validation label 1 | 0.9 | null |');
    const csv = formatComparison(c, 'csv').split('\n');
    expect(csv).toContain('param,note,,"x,""y"""');
    expect(JSON.parse(formatComparison(c, 'json'))).toEqual(JSON.parse(JSON.stringify(c)));
    expect(() => parseCompareFormat('xml')).toThrow(expect.objectContaining({ code: 'CLI_BAD_FORMAT' }));
  });

  it('names an edited pipeline text and the actions whose outputs differ (a data or code change no param shows)', () => {
    const a = run('a', 5, 0.9);
    const b = run('b', 5, 0.8);
    b.pipeline = { digest: 'q'.repeat(64), text: '' };
    b.nodes[0] = { ...b.nodes[0], outputs: { digest: 'e'.repeat(64) } };
    const d = compareRuns([a, b]);
    expect(d.params).toEqual([]);
    expect(d.pipeline).toEqual(['p', 'q'.repeat(64)]);
    expect(d.outputs).toEqual([{ action: 'evaluate[configuration=2d]', values: ['d', 'e'.repeat(64)] }]);
    const md = formatComparison(d, 'md').split('\n');
    expect(md).toContain(`| code | pipeline text | p | ${'q'.repeat(12)} |`);
    expect(md).toContain(`| output | evaluate[configuration=2d] | d | ${'e'.repeat(12)} |`);
    expect(compareRuns([a, run('c', 5, 0.9)]).pipeline).toBeUndefined();
  });
});
