// spec §3.6: the VRAM proxy = the network's conv feature-map element count
// (dynamic_network_architectures' compute_conv_feature_map_size), no deep supervision during planning.
export interface VramNetwork {
  /** 'plain' = PlainConvUNet (n_conv_per_stage convs per stage); 'resenc' = ResidualEncoderUNet (stem + blocks) */
  kind: 'plain' | 'resenc';
  features: readonly number[];
  strides: readonly number[][];
  /** plain: convs per encoder stage; resenc: BasicBlockD blocks per stage */
  encoderDepth: readonly number[];
  /** convs per decoder stage (n_stages - 1 entries) */
  decoderConvs: readonly number[];
  /** output channels of the segmentation head = number of keys in dataset.json labels */
  numClasses: number;
  /** segmentation heads on every decoder stage (training); planning estimates without them */
  deepSupervision?: boolean;
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const down = (size: readonly number[], stride: readonly number[]): number[] => size.map((s, i) => Math.floor(s / stride[i]));

function encoderSize(net: VramNetwork, patch: readonly number[]): number {
  let total = 0;
  let size = [...patch];
  let inChannels = net.features[0];
  if (net.kind === 'resenc') total += net.features[0] * prod(patch); // stem: one conv, no stride
  for (let s = 0; s < net.features.length; s++) {
    const after = down(size, net.strides[s]);
    const f = net.features[s];
    if (net.kind === 'plain') {
      total += net.encoderDepth[s] * f * prod(after);
    } else {
      // BasicBlockD: conv1 + conv2, plus the projection skip when channels or size change
      const changes = inChannels !== f || after.some((v, i) => v !== size[i]);
      total += (2 + (changes ? 1 : 0)) * f * prod(after) + (net.encoderDepth[s] - 1) * 2 * f * prod(after);
    }
    inChannels = f;
    size = after;
  }
  return total;
}

function decoderSize(net: VramNetwork, patch: readonly number[]): number {
  const skips: number[][] = [];
  let size = [...patch];
  for (let s = 0; s < net.strides.length - 1; s++) {
    size = down(size, net.strides[s]);
    skips.push(size);
  }
  let total = 0;
  const last = skips.length - 1;
  for (let j = 0; j < skips.length; j++) {
    const level = last - j;
    const vox = prod(skips[level]);
    const f = net.features[level];
    total += net.decoderConvs[j] * f * vox + f * vox; // conv blocks + transposed conv output
    if (net.deepSupervision || j === last) total += net.numClasses * vox;
  }
  return total;
}

export function estimateVram(net: VramNetwork, patch: readonly number[]): number {
  return encoderSize(net, patch) + decoderSize(net, patch);
}
