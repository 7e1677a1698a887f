import { describe, expect, it } from 'vitest';
import { dawnFlags } from './dawn-flags.js';

describe('dawnFlags (NNUNET_DAWN_TOGGLES)', () => {
  it('keeps a flag value\'s comma list with its flag', () => {
    expect(dawnFlags('enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,disable_robustness'))
      .toEqual(['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia,disable_robustness']);
  });

  it('starts a new flag at each key=value, trimming blanks', () => {
    expect(dawnFlags(' enable-dawn-features=a, b ,disable-dawn-features=c,,backend=vulkan'))
      .toEqual(['enable-dawn-features=a,b', 'disable-dawn-features=c', 'backend=vulkan']);
  });

  it('is empty when unset or blank', () => {
    expect(dawnFlags(undefined)).toEqual([]);
    expect(dawnFlags(' , ')).toEqual([]);
  });
});
