const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * Rounds a finite non-negative float32 value to the nearest IEEE half-precision value (ties to even), as
 * torch does when a float32 result is stored in a float16 tensor. Used where nnU-Net compares in fp16.
 */
export function roundToFloat16(x: number): number {
  F32[0] = x;
  const bits = U32[0];
  const exp = (bits >>> 23) & 0xff;
  // float16 keeps 10 mantissa bits for normals; subnormals (exp < -14) have a fixed ulp of 2^-24
  const shift = exp >= 113 ? 13 : Math.min(24, 13 + (113 - exp));
  if (shift >= 24) return 0;
  const half = 1 << (shift - 1);
  const mask = (1 << shift) - 1;
  const rest = bits & mask;
  let kept = bits & ~mask;
  if (rest > half || (rest === half && ((kept >>> shift) & 1) === 1)) kept += 1 << shift;
  U32[0] = kept >>> 0;
  return F32[0];
}
