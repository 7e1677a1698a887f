import { describe, expect, it } from 'vitest';
import { resolveConfiguration } from './resolve.js';
import type { ConfigurationEntry } from './format.js';

const full = { data_identifier: 'nnUNetPlans_3d_fullres', batch_size: 2, patch_size: [64, 64, 64], batch_dice: true };

describe('resolveConfiguration', () => {
  it('merges the parent with the child keys', () => {
    const configurations: Record<string, ConfigurationEntry> = {
      '3d_fullres': full,
      '3d_cascade_fullres': { inherits_from: '3d_fullres', previous_stage: '3d_lowres' },
      big: { inherits_from: '3d_cascade_fullres', batch_size: 4 },
    };
    expect(resolveConfiguration({ configurations }, 'big')).toEqual({
      ...full, inherits_from: '3d_cascade_fullres', previous_stage: '3d_lowres', batch_size: 4,
    });
  });

  it('reports cycles and unknown names with a code', () => {
    const configurations: Record<string, ConfigurationEntry> = {
      a: { inherits_from: 'b' }, b: { inherits_from: 'a' }, c: { inherits_from: 'zzz' },
    };
    expect(() => resolveConfiguration({ configurations }, 'a')).toThrow(expect.objectContaining({ code: 'PLANS_INHERITANCE_CYCLE' }));
    expect(() => resolveConfiguration({ configurations }, 'c')).toThrow(expect.objectContaining({ code: 'PLANS_UNKNOWN_CONFIGURATION' }));
  });
});
