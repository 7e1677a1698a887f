import { describe, expect, it } from 'vitest';
import type { RunNodeRecord, RunRecord } from '../engine/index.js';
import { dagNodes } from './dag.js';
import { dominantStatus } from './dag-svg.js';
import { dagSvg } from './dag-svg.js';

const action = (id: string, node: string, kind: string, status: RunNodeRecord['status'], durationMs: number): RunNodeRecord =>
  ({ id, node, kind, status, key: 'k', durationMs, outputs: null, metrics: {}, matrix: {} });

const record = (nodes: RunNodeRecord[], text: string): RunRecord => ({
  id: 'r', status: 'failed', nodes, metrics: {}, params: {}, pipeline: { digest: 'd', text }, startedAt: '', durationMs: 0, environment: {},
});

const TEXT = `version: 1
nodes:
  data: { uses: files }
  per_case: { uses: upper, needs: [data] }
  merge: { uses: concat, needs: { a: per_case, b: data } }
`;

describe('dagNodes', () => {
  it('collapses fan-out into per-status counts and layers nodes by longest path', () => {
    const nodes = dagNodes(record([
      action('data', 'data', 'files', 'cached', 5),
      action('per_case[case=a]', 'per_case', 'upper', 'ran', 10),
      action('per_case[case=b]', 'per_case', 'upper', 'failed', 20),
      action('per_case[case=c]', 'per_case', 'upper', 'ran', 30),
      action('merge', 'merge', 'concat', 'skipped', 0),
    ], TEXT));
    expect(nodes.map((n) => [n.name, n.layer, n.needs])).toEqual([['data', 0, []], ['per_case', 1, ['data']], ['merge', 2, ['per_case', 'data']]]);
    expect(nodes[1]).toMatchObject({ counts: { ran: 2, failed: 1 }, durationMs: 60 });
    expect(dominantStatus(nodes[1].counts)).toBe('failed');
    const svg = dagSvg(nodes);
    expect(svg.match(/class="edge"/g)).toHaveLength(3);
    expect(svg).toContain('data-node="per_case" data-status="failed"');
  });

  it('draws nodes without edges when the pipeline text cannot be parsed', () => {
    const nodes = dagNodes(record([action('x', 'x', 'value', 'ran', 1)], 'nodes: [oops'));
    expect(nodes).toEqual([{ name: 'x', kind: 'value', needs: [], counts: { ran: 1 }, durationMs: 1, layer: 0 }]);
  });
});
