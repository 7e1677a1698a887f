// spec §5.6 step 13 (cascade): the previous stage's segmentation becomes one-hot image channels, which training then
// corrupts with random morphology and connected-component removal (batchgeneratorsv2 MoveSegAsOneHotToDataTransform,
// ApplyRandomBinaryOperatorTransform, RemoveRandomConnectedComponentFromOneHotEncodingTransform as nnU-Net sets them)
import { labelComponents } from '../../../imaging/components.js';
import { AUG } from '../constants.js';
import type { Rng } from '../rng.js';
import { applyBinaryOperator, ball, BINARY_OPERATORS, disk } from './morphology.js';

/**
 * out = [img (C channels); one channel per label: 1 where seg == label, else 0]. Voxels of any other value (the -1
 * outside-mask marker, background) are 0 in every appended channel. Used for training batches and for inference.
 */
export function appendOneHot(img: Float32Array, channels: number, seg: ArrayLike<number>, labels: readonly number[],
  out = new Float32Array((channels + labels.length) * seg.length)): Float32Array {
  const n = seg.length;
  out.set(img.subarray(0, channels * n));
  out.fill(0, channels * n, (channels + labels.length) * n);
  labels.forEach((label, i) => {
    const off = (channels + i) * n;
    for (let v = 0; v < n; v++) if (seg[v] === label) out[off + v] = 1;
  });
  return out;
}

/** Fisher-Yates with our RNG (np.random.shuffle of the channel list: the transforms visit channels in random order). */
function shuffled(n: number, rng: Rng): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** One-hot channel views: channel k of the K appended ones is img[(first + k) * n, ...). */
interface OneHot {
  img: Float32Array;
  first: number;
  count: number;
  /** spatial shape, 2 or 3 axes */
  shape: readonly number[];
}

const as3 = (shape: readonly number[]): [number, number, number] => (shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]]);

/**
 * ApplyRandomBinaryOperatorTransform: each channel (random order, with p_per_label) gets dilation, erosion, closing
 * or opening with a ball (3D) / disk (2D) of radius ~U(strel range); voxels it adds are taken away from the other
 * one-hot channels, so the channels stay exclusive.
 */
export function randomBinaryOperator(o: OneHot, rng: Rng, pPerLabel: number = AUG.cascadeBinaryOpPPerLabel): void {
  const order = shuffled(o.count, rng);
  const apply = order.filter(() => rng.random() < pPerLabel);
  const ops = apply.map(() => BINARY_OPERATORS[rng.int(0, BINARY_OPERATORS.length - 1)]);
  const radii = apply.map(() => rng.uniform(AUG.cascadeStrelMin, AUG.cascadeStrelMax));
  const shape = as3(o.shape);
  const n = shape[0] * shape[1] * shape[2];
  apply.forEach((k, i) => {
    const off = (o.first + k) * n;
    const before = Uint8Array.from(o.img.subarray(off, off + n), (v) => (v !== 0 ? 1 : 0));
    const after = applyBinaryOperator(ops[i], before, shape, o.shape.length === 2 ? disk(radii[i]) : ball(radii[i]));
    for (let other = 0; other < o.count; other++) {
      if (other === k) continue;
      const oo = (o.first + other) * n;
      for (let v = 0; v < n; v++) if (after[v] && !before[v]) o.img[oo + v] = 0;
    }
    for (let v = 0; v < n; v++) o.img[off + v] = after[v];
  });
}

/**
 * RemoveRandomConnectedComponentFromOneHotEncodingTransform (fill_with_other_class_p = 0): each channel (random
 * order, with p_per_label) loses one random connected component (full connectivity) among those smaller than
 * `maxFraction` of the patch; channels without such a component are left alone.
 */
export function removeRandomComponent(o: OneHot, rng: Rng, pPerLabel: number = AUG.cascadeRemoveCcPPerLabel): void {
  const order = shuffled(o.count, rng);
  const apply = order.filter(() => rng.random() < pPerLabel);
  const shape = as3(o.shape);
  const n = shape[0] * shape[1] * shape[2];
  for (const k of apply) {
    const off = (o.first + k) * n;
    const channel = o.img.subarray(off, off + n);
    if (!channel.some((v) => v !== 0)) continue;
    const { labels, count, sizes } = labelComponents(channel, shape, 'full');
    const valid: number[] = [];
    for (let id = 1; id <= count; id++) if (sizes[id] < n * AUG.cascadeRemoveCcMaxFraction) valid.push(id);
    if (valid.length === 0) continue;
    const remove = valid[rng.int(0, valid.length - 1)];
    for (let v = 0; v < n; v++) if (labels[v] === remove) channel[v] = 0;
    rng.random(); // the fill_with_other_class_p draw (p = 0 in nnU-Net)
  }
}

/** Step 13's two random transforms on the appended channels, with nnU-Net's per-sample probabilities. */
export function augmentPreviousStage(o: OneHot, rng: Rng): void {
  if (rng.random() < AUG.cascadePBinaryOp) randomBinaryOperator(o, rng);
  if (rng.random() < AUG.cascadePRemoveCc) removeRandomComponent(o, rng);
}
