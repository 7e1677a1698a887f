import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { configureAugmentation } from './configure.js';
import { AUG } from './constants.js';

describe('configureAugmentation (spec §5.6, §5.7)', () => {
  it.each([
    [[40, 56, 40], [73, 80, 64]],
    [[128, 128, 128], [205, 205, 205]],
    [[80, 192, 160], [194, 289, 210]],
    [[56, 40], [65, 65]],
    [[20, 320, 256], [20, 376, 376]],
  ])('initial patch of %j is %j (verified nnU-Net values)', (patch, initial) => {
    expect(configureAugmentation(patch).initialPatchSize).toEqual(initial);
  });

  it('picks rotation ranges, dummy-2D and mirror axes as nnU-Net', () => {
    const deg = (c: { rotation: [number, number] }) => c.rotation.map((r) => Math.round((r * 180) / Math.PI));
    const c3 = configureAugmentation([40, 56, 40]);
    expect([c3.dummy2d, deg(c3), c3.mirrorAxes]).toEqual([false, [-30, 30], [0, 1, 2]]);
    const aniso = configureAugmentation([20, 320, 256]);
    expect([aniso.dummy2d, deg(aniso)]).toEqual([true, [-180, 180]]);
    expect(deg(configureAugmentation([56, 40]))).toEqual([-180, 180]);
    const long = configureAugmentation([64, 128]);
    expect([long.dummy2d, deg(long), long.mirrorAxes]).toEqual([false, [-15, 15], [0, 1]]);
  });

  it('rejects 1D or 4D patch sizes', () => {
    expect(() => configureAugmentation([32])).toThrow(RangeError);
  });
});

const DEFAULTS = new URL('../../../../shared/spec/nnunet-defaults.json', import.meta.url).pathname;
/** Where we follow nnU-Net's code over nnunet-defaults.json (README, "Where we differ"): its trainer passes 1. */
const FOLLOWS_NNUNET_CODE: Record<string, number> = { cascade_binary_op_p_per_label: 1, cascade_remove_cc_p_per_label: 1 };

describe.skipIf(!existsSync(DEFAULTS))('augmentation constants', () => {
  it('match nnunet-defaults.json, except the documented cascade p_per_label', () => {
    const aug = JSON.parse(readFileSync(DEFAULTS, 'utf8')).augmentation as Record<string, number>;
    const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
    for (const [key, value] of Object.entries(aug)) {
      const name = camel(key);
      expect([key, (AUG as Record<string, number>)[name]]).toEqual([key, FOLLOWS_NNUNET_CODE[key] ?? value]);
    }
  });
});
