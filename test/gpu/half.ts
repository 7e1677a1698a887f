// f16 rounding for the mixed-precision tests: what WGSL's f16() does to an f32 on IEEE hardware (round to nearest,
// ties to even; subnormals kept), and what conv-gemm-blocks' toHalf adds (inf from 65520 on, where f16 rounding
// overflows). Node 20 has no Math.f16round.

/** x rounded to the nearest f16 value. */
export function roundToHalf(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // 10 fraction bits; below 2^-14 the spacing stays 2^-24 (subnormals)
  const ulp = 2 ** (Math.max(e, -14) - 10);
  const q = a / ulp;
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  return Math.sign(x) * r * ulp;
}

export const halfArray = (v: Float32Array): Float32Array => v.map(roundToHalf);
