/**
 * InitWeights_He(1e-2) of nnU-Net: kaiming_normal_ with a = 0.01 (fan_in mode, leaky_relu gain) on conv and
 * transposed-conv weights; biases 0; norm weight 1, bias 0.
 */
export type InitRole = 'conv' | 'transposed' | 'one' | 'zero';

const NEG_SLOPE = 1e-2;

/**
 * std = gain / sqrt(fan_in), gain = sqrt(2 / (1 + a^2)). PyTorch takes fan_in from weight dim 1 times the
 * kernel volume: Cin for a conv, but Cout for a transposed conv (its weight is [Cin, Cout, ...k]).
 * Our shapes: conv [...k, Cin, Cout], transposed [...k, Cout, Cin].
 */
export function heStd(shape: number[]): number {
  const kernel = shape.slice(0, -2);
  const dim1 = shape[shape.length - 2]; // Cin for conv, Cout for transposed
  const fanIn = dim1 * kernel.reduce((a, b) => a * b, 1);
  const gain = Math.sqrt(2 / (1 + NEG_SLOPE * NEG_SLOPE));
  return gain / Math.sqrt(fanIn);
}
