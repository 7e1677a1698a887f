import { describe, expect, it, vi } from 'vitest';
import type { RunRecord } from '../../engine/index.js';
import { main } from '../main.js';
import { formatCycle } from './watch.js';

const node = (id: string, status: 'ran' | 'cached' | 'failed', error?: { code: string; message: string }) => ({
  id, node: id.split('[')[0], kind: 'k', status, key: 'k', durationMs: 1, outputs: null, metrics: {}, matrix: {}, ...(error ? { error } : {}),
});

describe('watch cycle text', () => {
  it('after a failed run says what failed and that watching goes on, never "outputs unchanged"', () => {
    const record = {
      id: 'r1', status: 'failed', durationMs: 1000, summary: { cached: 1, failed: 1 },
      nodes: [node('dataset', 'failed', { code: 'DATASET_INVALID', message: 'case_9: label file is corrupt' }), node('plan', 'cached')],
    } as unknown as RunRecord;
    const text = formatCycle({ changed: ['/data/labelsTr/case_9.nii.gz'], aborted: [], record }, 'runs');
    expect(text).not.toContain('nothing to rerun');
    expect(text).toContain('failed  dataset: case_9: label file is corrupt [DATASET_INVALID]');
    expect(text).toContain('1 action(s) failed; still watching');
  });
});

describe('nnunet watch', () => {
  it('a pipeline file that does not exist is an error, not a wait for it forever', async () => {
    let err = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
    try {
      expect(await main(['node', 'nnunet', 'watch', '/nonexistent/nope.yaml'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(err).toContain('/nonexistent/nope.yaml  no such pipeline file [PIPELINE_NOT_FOUND]');
  });
});
