import { describe, expect, it } from 'vitest';
import { createProgress, failureHeadline, wantsLiveProgress } from './progress.js';

describe('progress', () => {
  it('is never live when quiet, and only on a TTY outside CI', () => {
    expect(wantsLiveProgress(true)).toBe(false);
    if (!process.stderr.isTTY || process.env.CI) expect(wantsLiveProgress(false)).toBe(false);
  });
  it('without a live view still reports failed actions as they happen', () => {
    const lines: string[] = [];
    const view = createProgress(false, (s) => lines.push(s));
    view.observer({ type: 'action-end', id: 'a', node: 'a', kind: 'toy', key: 'k', matrix: {}, status: 'ran', durationMs: 1 });
    view.observer({ type: 'action-end', id: 'b[fold=0]', node: 'b', kind: 'toy', key: 'k', matrix: { fold: 0 }, status: 'failed', durationMs: 1, error: { code: 'TOY', message: 'broke' } });
    view.stop();
    if (!wantsLiveProgress(false)) expect(lines).toEqual(['failed b[fold=0]: broke [TOY]\n']);
  });
  it('prints a failure in full even when quiet; summaries use its first line', () => {
    const lines: string[] = [];
    const view = createProgress(true, (s) => lines.push(s));
    const error = { code: 'DATASET_INVALID', message: 'ds: 2 problem(s)\n  - a\n  - b' };
    view.observer({ type: 'action-end', id: 'dataset', node: 'dataset', kind: 'dataset', key: 'k', matrix: {}, status: 'failed', durationMs: 1, error });
    expect(lines).toEqual(['failed dataset: ds: 2 problem(s)\n  - a\n  - b [DATASET_INVALID]\n']);
    expect(failureHeadline(error.message)).toBe('ds: 2 problem(s) (2 more lines above)');
    expect(failureHeadline('one line')).toBe('one line');
  });
});
