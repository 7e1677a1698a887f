import { describe, expect, it } from 'vitest';
import { describeOperations } from './describe.js';

describe('postprocessing in words', () => {
  it('names labels, regions and the all-foreground step', () => {
    const labels = { background: 0, head: 1, body: 2 };
    expect(describeOperations(['[1,2]', '1'], labels)).toBe('keep the largest component of the foreground as a whole (head + body), then of head (1)');
    expect(describeOperations(['[1]'], { background: 0, road: 1 })).toBe('keep the largest component of road (1)');
    const regions = { background: 0, whole: [1, 2], body: 2 };
    expect(describeOperations(['[[1,2],2]', '2', '[1,2]'], regions))
      .toBe('keep the largest component of the foreground as a whole (whole + body), then of body (2), then of whole (1, 2)');
    expect(describeOperations([], labels)).toBe('none');
  });
});
