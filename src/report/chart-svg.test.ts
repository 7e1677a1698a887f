import { describe, expect, it } from 'vitest';
import { lineChart } from './chart-svg.js';

describe('lineChart', () => {
  it('breaks a line at null values and scales to the data range', () => {
    const svg = lineChart('t', [0, 1, 2, 3], [{ name: 'a', values: [1, 2, null, 4] }, { name: 'b<', values: [3, 3, 3, 3] }]);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // a: [0,1] run; b: one line
    expect(svg.match(/<circle/g)).toHaveLength(1); // a: lone point after the gap
    expect(svg).toContain('b&lt;');
    expect(svg).toContain('>1</text>');
    expect(svg).toContain('>4</text>');
  });

  it('draws a constant or empty series without dividing by zero', () => {
    expect(lineChart('t', [0, 1], [{ name: 'lr', values: [0.01, 0.01] }])).not.toContain('NaN');
    expect(lineChart('t', [], [{ name: 'lr', values: [] }])).not.toContain('NaN');
  });
});
