import { describe, expect, it } from 'vitest';
import { progressSvg } from './progress-svg.js';
import type { EpochLog } from './log.js';

const entry = (epoch: number, dice: number | null): EpochLog => ({
  epoch, train_loss: -0.1 * epoch, val_loss: -0.05 * epoch, pseudo_dice: [dice], mean_fg_dice: dice, ema_fg_dice: dice, lr: 0.01 / (epoch + 1),
});
const log = [entry(0, null), entry(1, 0.5), entry(2, 0.7)];

describe('progress.svg', () => {
  it('draws the three panels of progress.png and skips undefined Dice values', () => {
    const svg = progressSvg(log, [10, 11, 12]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(6);
    expect(svg).not.toContain('NaN');
    for (const title of ['Loss and pseudo Dice', 'Epoch duration (s)', 'Learning rate']) expect(svg).toContain(title);
    // the Dice line has points only for the two epochs that have a value
    const dice = svg.split('\n').filter((l) => l.includes('stroke="#2ca02c"') && l.includes('stroke-dasharray'));
    expect(dice[0].match(/points="([^"]*)"/)![1].split(' ')).toHaveLength(2);
  });

  it('leaves the duration panel out without epoch times, so the same log gives the same bytes', () => {
    const svg = progressSvg(log);
    expect(svg).not.toContain('Epoch duration');
    expect(svg.match(/<polyline/g)).toHaveLength(5);
    expect(svg).toContain('height="440"');
    expect(progressSvg(log)).toBe(svg);
  });
});
