import { describe, expect, it } from 'vitest';
import { createProgress, failureHeadline, plainObserver, wantsLiveProgress } from './progress.js';

describe('progress', () => {
  it('is never live when quiet, and only on a TTY outside CI', () => {
    expect(wantsLiveProgress(true)).toBe(false);
    if (!process.stderr.isTTY || process.env.CI) expect(wantsLiveProgress(false)).toBe(false);
  });
  it('without a live view still reports failed actions as they happen, and logs plain lines', () => {
    const lines: string[] = [];
    const plain: string[] = [];
    const view = createProgress(false, (s) => lines.push(s), (s) => plain.push(s));
    view.observer({ type: 'action-end', id: 'a', node: 'a', status: 'ran', durationMs: 1500 });
    view.observer({ type: 'action-end', id: 'b[fold=0]', node: 'b', status: 'failed', durationMs: 1, error: { code: 'TOY', message: 'broke' } });
    view.stop();
    if (!wantsLiveProgress(false)) {
      expect(lines).toEqual(['failed b[fold=0]: broke [TOY]\n']);
      expect(plain).toEqual(['ran a in 1.5 s\n']);
    }
  });
  it('plain lines: every log line, and progress once per step (an epoch, a case), not per iteration', () => {
    const out: string[] = [];
    const see = plainObserver((s) => out.push(s));
    const id = 'train[fold=0]';
    see({ type: 'action-log', id, message: 'epoch 0: train_loss 0.5000 lr 1.000e-2 2.0 s' });
    see({ type: 'action-progress', id, progress: { done: 1, total: 4, message: 'epoch 1/2', metrics: { loss: 0.5 } } });
    see({ type: 'action-progress', id, progress: { done: 2, total: 4, message: 'epoch 1/2', metrics: { loss: 0.5 } } });
    see({ type: 'action-progress', id, progress: { done: 4, total: 4, message: 'epoch 2/2', metrics: { loss: 0.25 } } });
    expect(out).toEqual([
      '[train[fold=0]] epoch 0: train_loss 0.5000 lr 1.000e-2 2.0 s\n',
      '[train[fold=0]] 1/4 epoch 1/2  loss 0.500\n',
      '[train[fold=0]] 4/4 epoch 2/2  loss 0.250\n',
    ]);
  });
  it('prints a failure in full even when quiet; summaries use its first line', () => {
    const lines: string[] = [];
    const view = createProgress(true, (s) => lines.push(s));
    const error = { code: 'DATASET_INVALID', message: 'ds: 2 problem(s)\n  - a\n  - b' };
    view.observer({ type: 'action-end', id: 'dataset', node: 'dataset', status: 'failed', durationMs: 1, error });
    expect(lines).toEqual(['failed dataset: ds: 2 problem(s)\n  - a\n  - b [DATASET_INVALID]\n']);
    expect(failureHeadline(error.message)).toBe('ds: 2 problem(s) (2 more lines above)');
    expect(failureHeadline('one line')).toBe('one line');
  });
});
