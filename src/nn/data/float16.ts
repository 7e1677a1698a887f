const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The largest finite float16 value; a float32 that rounds past it becomes inf. */
const F16_MAX = 65504;

/**
 * Rounds a float32 value to the nearest IEEE half-precision value (ties to even), as torch does when a float32
 * result is stored in a float16 tensor: values that round past 65504 become ±inf, inf and NaN stay. Used where
 * nnU-Net compares in fp16, and by the mixed-precision tests (the f16 operands of webgpu's convolutions).
 */
export function roundToFloat16(x: number): number {
  F32[0] = x;
  const sign = U32[0] >>> 31;
  const bits = U32[0] & 0x7fffffff;
  const exp = bits >>> 23;
  if (exp === 0xff) return x;
  // float16 keeps 10 mantissa bits for normals; subnormals (exp < -14) have a fixed ulp of 2^-24
  const shift = exp >= 113 ? 13 : Math.min(24, 13 + (113 - exp));
  if (shift >= 24) return sign ? -0 : 0;
  const half = 1 << (shift - 1);
  const mask = (1 << shift) - 1;
  const rest = bits & mask;
  let kept = bits & ~mask;
  if (rest > half || (rest === half && ((kept >>> shift) & 1) === 1)) kept += 1 << shift;
  U32[0] = kept >>> 0;
  const magnitude = F32[0] > F16_MAX ? Infinity : F32[0];
  return sign ? -magnitude : magnitude;
}
