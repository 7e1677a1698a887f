/**
 * nnU-Net's parameter count computed from the architecture rules alone (no tensors), so it can be checked
 * against the number PyTorch reports for the same plan and against what our builder allocates.
 */
import type { NetworkSpec } from './architecture.js';

const prod = (a: number[]) => a.reduce((x, y) => x * y, 1);

function convParams(cin: number, cout: number, kernel: number[], bias: boolean): number {
  return cin * cout * prod(kernel) + (bias ? cout : 0);
}

/** conv + affine instance norm */
function unitParams(cin: number, cout: number, kernel: number[], bias: boolean): number {
  return convParams(cin, cout, kernel, bias) + 2 * cout;
}

function encoderParams(s: NetworkSpec): number {
  let total = 0;
  let cin = s.inputChannels;
  if (s.kind === 'resenc') {
    total += unitParams(cin, s.features[0], s.kernels[0], s.convBias); // stem
    cin = s.features[0];
  }
  for (let st = 0; st < s.features.length; st++) {
    const f = s.features[st];
    for (let i = 0; i < s.encoderDepth[st]; i++) {
      if (s.kind === 'plain') {
        total += unitParams(cin, f, s.kernels[st], s.convBias);
      } else {
        total += unitParams(cin, f, s.kernels[st], s.convBias) + unitParams(f, f, s.kernels[st], s.convBias);
        if (cin !== f) total += unitParams(cin, f, s.kernels[st].map(() => 1), false); // 1x1 projection, no bias
      }
      cin = f;
    }
  }
  return total;
}

function decoderParams(s: NetworkSpec): number {
  let total = 0;
  const n = s.features.length;
  for (let j = 0; j < n - 1; j++) {
    const below = s.features[n - 1 - j];
    const skip = s.features[n - 2 - j];
    total += convParams(below, skip, s.strides[n - 1 - j], s.convBias); // transposed conv, kernel == stride
    for (let i = 0; i < s.decoderConvs[j]; i++) {
      total += unitParams(i === 0 ? 2 * skip : skip, skip, s.kernels[n - 2 - j], s.convBias);
    }
    total += convParams(skip, s.numClasses, s.kernels[0].map(() => 1), true); // segmentation head
  }
  return total;
}

export function parameterCount(spec: NetworkSpec): number {
  return encoderParams(spec) + decoderParams(spec);
}
