import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RandomState } from '../../src/imaging/np.js';
import { foregroundStatistics, samplesPerCase } from './intensity.js';

// test/planning/fixtures/fingerprint-golden.py: nnU-Net's sampling and aggregation in numpy
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../test/planning/fixtures/fingerprint-golden.json', import.meta.url)), 'utf8'));

function fg(i: number, c: number, n: number): Float32Array {
  const rs = new RandomState(100 + 10 * i + c);
  return Float32Array.from({ length: n }, () => rs.randomSample() * 500 - 100);
}

describe('foregroundStatistics (spec §2)', () => {
  for (const g of golden as Array<{ counts: number[]; channels: number; num_samples: number; stats: object[] }>) {
    it(`matches nnU-Net bit for bit: counts [${g.counts}], ${g.channels} channel(s)`, () => {
      const src = { counts: g.counts, numChannels: g.channels, load: (i: number, c: number) => fg(i, c, g.counts[i]) };
      expect(foregroundStatistics(src, g.num_samples)).toEqual(g.stats);
    });
  }

  it('samples per case = floor(1e8 / n)', () => {
    expect(samplesPerCase(260)).toBe(384615);
    expect(samplesPerCase(3)).toBe(33333333);
  });

  it('no foreground anywhere: NaN statistics', () => {
    expect(foregroundStatistics({ counts: [0, 0], numChannels: 1, load: () => new Float32Array(0) }, 10)[0].mean).toBeNaN();
  });
});
