import { describe, expect, it } from 'vitest';
import type { RunNodeRecord } from '../engine/index.js';
import { renderPage } from './html.js';

const node = (id: string, kind: string, metrics: Record<string, unknown>): RunNodeRecord =>
  ({ id, node: id, kind, status: 'ran', key: 'k', durationMs: 1, outputs: { digest: 'd' }, metrics, matrix: {} });

const page = (nodes: RunNodeRecord[], curves: Parameters<typeof renderPage>[0]['curves'] = []) => renderPage({
  record: { id: 'r<1>', status: 'succeeded', nodes, metrics: {}, params: { a: { b: 1 } }, pipeline: { digest: 'p', text: '' }, startedAt: 's', durationMs: 5, environment: {} },
  dag: [], curves, dice: [], cases: [], overlays: [], notes: ['x & y'], labels: { background: 0, head: 1 },
});

describe('renderPage', () => {
  it('escapes record text and lists notes', () => {
    const html = page([]);
    expect(html).toContain('Run r&lt;1&gt;');
    expect(html).toContain('<li>x &amp; y</li>');
    expect(html).not.toContain('id="selection"');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('shows find-best candidates (chosen one marked) and the postprocessing effect', () => {
    const html = page([
      node('find_best', 'find-best', { best: '3d_fullres', all: { '2d': 0.7, '3d_fullres': 0.8 } }),
      node('postprocess', 'postprocess', { operations: ['1'], mean_fg_dice_before: 0.8, mean_fg_dice_after: 0.81 }),
    ]);
    expect(html).toMatch(/<tr class="best"><td>3d_fullres \(chosen\)<\/td><td>0\.8000<\/td><\/tr><tr><td>2d<\/td>/);
    expect(html).toContain('keep the largest component of head (1); foreground Dice 0.8000 → 0.8100.');
  });

  it('draws the epoch durations the action record kept, and no duration chart without them', () => {
    const log = [0, 1].map((epoch) => ({ epoch, train_loss: -epoch, val_loss: -epoch, pseudo_dice: [0.5], mean_fg_dice: 0.5, ema_fg_dice: 0.5, lr: 0.01 }));
    const curve = { action: 'train[fold=0]', configuration: '3d_fullres', fold: '0', log };
    expect(page([], [{ ...curve, epochTimes: [3.5, 3.25] }])).toContain('3d_fullres fold 0: epoch duration (s)');
    expect(page([], [curve])).not.toContain('epoch duration');
  });
});
