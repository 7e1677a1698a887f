/**
 * Seedable random numbers for sampling and augmentation. nnU-Net draws these unseeded (spec §0), so the
 * exact stream is ours; what matters is that a (seed, stream) pair always gives the same numbers, so that a
 * batch is a pure function of (seed, batch index) no matter which worker builds it.
 */
export interface Rng {
  /** uniform in [0, 1) */
  random(): number;
  /** uniform in [lo, hi) like np.random.uniform */
  uniform(lo: number, hi: number): number;
  /** integer uniform in [lo, hi] (both inclusive) */
  int(lo: number, hi: number): number;
  /** standard normal */
  normal(): number;
}

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** xoshiro128** seeded through a murmur-style mixer of (seed, stream). */
export function createRng(seed: number, stream = 0): Rng {
  let a = mix((seed >>> 0) ^ 0x9e3779b9);
  let b = mix(a ^ (stream >>> 0) ^ 0x243f6a88);
  let c = mix(b ^ 0xb7e15162);
  let d = mix(c ^ Math.imul(stream >>> 0, 0x27d4eb2f));
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  let spare: number | null = null;
  const random = (): number => (next() * 2 ** 21 + (next() >>> 11)) / 2 ** 53;
  return {
    random,
    uniform: (lo, hi) => lo + (hi - lo) * random(),
    int: (lo, hi) => lo + Math.floor(random() * (hi - lo + 1)),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      // Box-Muller; 1 - u keeps the log argument in (0, 1]
      const r = Math.sqrt(-2 * Math.log(1 - random()));
      const t = 2 * Math.PI * random();
      spare = r * Math.sin(t);
      return r * Math.cos(t);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fresh 32-bit seed for unseeded runs (nnU-Net's default behaviour). */
export function randomSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}
