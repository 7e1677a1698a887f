import { describe, expect, it } from 'vitest';
import { createProgress, failureLine, wantsLiveProgress } from './progress.js';

describe('progress', () => {
  it('is never live when quiet, and only on a TTY outside CI', () => {
    expect(wantsLiveProgress(true)).toBe(false);
    if (!process.stderr.isTTY || process.env.CI) expect(wantsLiveProgress(false)).toBe(false);
  });
  it('without a live view still reports failed actions as they happen', () => {
    const lines: string[] = [];
    const view = createProgress(false, (s) => lines.push(s));
    view.observer({ type: 'action-end', id: 'a', node: 'a', status: 'ran', durationMs: 1 });
    view.observer({ type: 'action-end', id: 'b[fold=0]', node: 'b', status: 'failed', durationMs: 1, error: { code: 'TOY', message: 'broke' } });
    view.stop();
    if (!wantsLiveProgress(false)) expect(lines).toEqual(['failed b[fold=0]: broke [TOY]\n']);
  });
  it('shows a multi-line failure as its first line; the summary has the rest', () => {
    const error = { code: 'DATASET_INVALID', message: 'ds: 2 problem(s)\n  - a\n  - b' };
    expect(failureLine({ type: 'action-end', id: 'dataset', node: 'dataset', status: 'failed', durationMs: 1, error }))
      .toBe('failed dataset: ds: 2 problem(s) [DATASET_INVALID] (2 more lines in the summary)\n');
  });
});
