import { describe, expect, it } from 'vitest';
import { logFileName, newRunId } from './record.js';

describe('run record helpers', () => {
  it('makes log file names safe and short enough for any action id', () => {
    expect(logFileName('preprocess[configuration=3d_fullres,case=sub/hippo 1]')).toBe('preprocess[configuration=3d_fullres,case=sub_hippo_1].log');
    const long = logFileName(`t[${'x'.repeat(400)}]`);
    expect(long.length).toBeLessThan(210);
    expect(long).not.toBe(logFileName(`t[${'x'.repeat(401)}]`));
  });
  it('starts run ids with their UTC start time', () => {
    expect(newRunId(new Date('2026-11-26T18:07:10.123Z'))).toMatch(/^20261126-180710-[0-9a-f]{6}$/);
  });
});
