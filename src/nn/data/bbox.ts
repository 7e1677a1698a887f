// spec §5.5: patch bounds, random and foreground-forced placement
import type { ClassLocationEntry } from './class-locations.js';
import { eligibleForForeground, entryCount } from './class-locations.js';
import type { Rng } from './rng.js';
import { roundHalfEven } from '../../imaging/np.js';

/** Sample j of a batch is forced to contain foreground iff j >= round_half_even(bs * (1 - p)). */
export function isForcedForeground(sampleIndex: number, batchSize: number, oversample: number): boolean {
  return !(sampleIndex < roundHalfEven(batchSize * (1 - oversample)));
}

/**
 * The lower corner of the sampling patch (nnUNetDataLoader.get_bbox). `needToPad` = initial - final patch;
 * the patch may reach past the volume by half of it on each side (more if the volume is smaller than the patch).
 */
export function sampleBboxStart(
  shape: readonly number[],
  patch: readonly number[],
  needToPad: readonly number[],
  forceFg: boolean,
  locations: ClassLocationEntry[],
  rng: Rng,
  opts: { hasIgnore?: boolean; onlyLabels?: readonly number[] } = {},
): number[] {
  const dim = shape.length;
  const lbs: number[] = [];
  const ubs: number[] = [];
  for (let d = 0; d < dim; d++) {
    const need = needToPad[d] + shape[d] < patch[d] ? patch[d] - shape[d] : needToPad[d];
    lbs.push(Math.floor(-need / 2));
    ubs.push(shape[d] + Math.ceil(need / 2) - patch[d]);
  }
  const random = () => lbs.map((lb, d) => rng.int(lb, ubs[d]));
  let chosen: ClassLocationEntry | undefined;
  if (forceFg) {
    const eligible = eligibleForForeground(locations, opts.onlyLabels);
    if (eligible.length > 0) chosen = eligible[rng.int(0, eligible.length - 1)];
  } else if (opts.hasIgnore) {
    chosen = locations.find((e) => e.annotated && entryCount(e) > 0);
  } else {
    return random();
  }
  if (!chosen) return random();
  const row = rng.int(0, entryCount(chosen) - 1) * chosen.stride;
  // the stored row starts with the channel index, spatial coordinates follow; no upper clamp (nnU-Net)
  const off = chosen.stride - dim;
  return lbs.map((lb, d) => Math.max(lb, chosen.coords[row + off + d] - Math.floor(patch[d] / 2)));
}
