import { describe, expect, it } from 'vitest';
import type { RunNodeRecord, RunRecord } from '../engine/index.js';
import { cascadeHint } from './results.js';

const node = (kind: string, metrics: Record<string, unknown>, matrix: Record<string, unknown> = {}): RunNodeRecord =>
  ({ id: kind, node: kind, kind, status: 'ran', key: 'k', durationMs: 1, outputs: { digest: 'd' }, metrics, matrix });
const record = (nodes: RunNodeRecord[]): RunRecord => ({ id: 'r', status: 'succeeded', nodes, metrics: {}, params: { dataset: '/data/Liver' },
  pipeline: { digest: 'p', text: '' }, startedAt: 's', durationMs: 1, environment: {} });

describe('cascade hint', () => {
  it('names the cascade pipeline when the plan has 3d_lowres and the run did not train it', () => {
    const withLowres = node('plan', { '3d_fullres.patch_size': [128, 128, 128], '3d_lowres.patch_size': [128, 128, 128] });
    const rec = record([withLowres, node('train-fold', {}, { configuration: '3d_fullres' })]);
    expect(cascadeHint(rec, rec.nodes).join('\n')).toContain('npx nnunet run pipelines/nnunet-cascade.yaml --set dataset=/data/Liver');
    const trained = record([withLowres, node('train-fold', {}, { configuration: '3d_lowres' })]);
    expect(cascadeHint(trained, trained.nodes)).toEqual([]);
    const small = record([node('plan', { '3d_fullres.patch_size': [40, 56, 40] })]);
    expect(cascadeHint(small, small.nodes)).toEqual([]);
  });
});
