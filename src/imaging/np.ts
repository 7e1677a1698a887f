/**
 * NumPy numeric conventions that nnU-Net's results depend on (spec §0), named after the numpy behaviour
 * they reproduce bit for bit: round-half-even, pairwise summation (float32 arithmetic for Float32Array, as
 * numpy does for float32 arrays), linear percentiles, population/sample std and the legacy MT19937
 * `RandomState`. Nothing here allocates per element.
 */

/** Python's round() / np.round(): ties go to the even neighbour (2.5 -> 2, 3.5 -> 4). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends .5 up; pull exact ties on odd results back down.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export type NumericArray = ArrayLike<number>;

/** numpy's unroll-by-8 block size of `pairwise_sum` (loops_utils.h: PW_BLOCKSIZE). */
const PW_BLOCKSIZE = 128;

const identity = (v: number): number => v;

/** numpy's ufunc buffer size: a 1-D add.reduce hands the inner loop at most this many elements at a time. */
export const NPY_BUFSIZE = 8192;

type Pairwise = (a: ArrayLike<number>, off: number, m: number) => number;

/**
 * numpy's `pairwise_sum` over a[off .. off + m), rounding every addition with `rd`. One closure per rounding
 * mode, so each stays monomorphic (and `rd` inlined) in its hot loop.
 */
function makePairwise(rd: (v: number) => number): Pairwise {
  const r = new Float64Array(8);
  const rec: Pairwise = (a, off, m) => {
    if (m < 8) {
      let res = 0;
      for (let i = 0; i < m; i++) res = rd(res + a[off + i]);
      return res;
    }
    if (m <= PW_BLOCKSIZE) {
      for (let j = 0; j < 8; j++) r[j] = a[off + j];
      let i = 8;
      for (; i < m - (m % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = rd(r[j] + a[off + i + j]);
      let res = rd(rd(rd(r[0] + r[1]) + rd(r[2] + r[3])) + rd(rd(r[4] + r[5]) + rd(r[6] + r[7])));
      for (; i < m; i++) res = rd(res + a[off + i]);
      return res;
    }
    let m2 = Math.floor(m / 2);
    m2 -= m2 % 8;
    const left = rec(a, off, m2);
    return rd(left + rec(a, off + m2, m - m2));
  };
  return rec;
}

const pairwise32 = makePairwise(Math.fround);
const pairwise64 = makePairwise((v) => v);

/** Writes the next `count` values of a sequence into buf[0 .. count). */
export type Fill = (buf: Float64Array, count: number) => void;

/**
 * numpy's `np.add.reduce` of `n` values: `pairwise_sum` on consecutive blocks of NPY_BUFSIZE values, accumulated
 * left to right. The values come block by block from `fill`, so a generated sequence never has to exist whole.
 * With `float32` every addition is rounded to float32, exactly as numpy reduces a float32 array.
 */
export function blockedSum(n: number, fill: Fill, float32 = false): number {
  const rd = float32 ? Math.fround : identity;
  const pairwise = float32 ? pairwise32 : pairwise64;
  const buf = new Float64Array(Math.min(Math.max(n, 0), NPY_BUFSIZE));
  let total = 0;
  for (let start = 0; start < n; start += NPY_BUFSIZE) {
    const len = Math.min(NPY_BUFSIZE, n - start);
    fill(buf, len);
    total = rd(total + pairwise(buf, 0, len));
  }
  return total;
}

/**
 * The same numpy reduction fed one value at a time: for several interleaved sequences at once (one accumulator
 * each), where a pull-style `Fill` would need the generator replayed per sequence.
 */
export class NumpySum {
  private readonly buf = new Float64Array(NPY_BUFSIZE);
  private len = 0;
  private total = 0;
  private readonly rd: (v: number) => number;
  private readonly pairwise: Pairwise;

  constructor(readonly float32: boolean) {
    this.rd = float32 ? Math.fround : identity;
    this.pairwise = float32 ? pairwise32 : pairwise64;
  }

  push(v: number): void {
    this.buf[this.len++] = v;
    if (this.len === NPY_BUFSIZE) this.flush();
  }

  /** push(block[0]), ..., push(block[count - 1]) */
  pushBlock(block: Float64Array, count: number): void {
    let off = 0;
    while (off < count) {
      const take = Math.min(count - off, NPY_BUFSIZE - this.len);
      this.buf.set(take === block.length && off === 0 ? block : block.subarray(off, off + take), this.len);
      this.len += take;
      off += take;
      if (this.len === NPY_BUFSIZE) this.flush();
    }
  }

  private flush(): void {
    this.total = this.rd(this.total + this.pairwise(this.buf, 0, this.len));
    this.len = 0;
  }

  /** np.sum of everything pushed so far. */
  result(): number {
    if (this.len > 0) this.flush();
    return this.total;
  }
}

/** np.mean from np.sum: the division in the array precision. */
export const meanFromSum = (sum: number, n: number, float32: boolean): number => (float32 ? Math.fround(sum / n) : sum / n);

/** One term of np.var's second pass: (x - mean)², in the array precision. */
export function squaredDeviation(x: number, mean: number, float32: boolean): number {
  if (!float32) return (x - mean) * (x - mean);
  const d = Math.fround(x - mean);
  return Math.fround(d * d);
}

/** np.var from the sum of squared deviations. */
export const varianceFromSum = (ss: number, n: number, ddof: number, float32: boolean): number =>
  (float32 ? Math.fround(ss / Math.max(n - ddof, 0)) : ss / Math.max(n - ddof, 0));

const arrayFill = (x: NumericArray): Fill => {
  let i = 0;
  return (buf, count) => {
    for (let k = 0; k < count; k++) buf[k] = x[i++];
  };
};

const isF32 = (x: NumericArray): boolean => x instanceof Float32Array;

/** np.sum: pairwise, in the array's precision (float32 for Float32Array, float64 otherwise). */
export function sum(x: NumericArray): number {
  return blockedSum(x.length, arrayFill(x), isF32(x));
}

/** np.mean (float32 accumulation for Float32Array, as numpy). NaN for an empty array. */
export function mean(x: NumericArray): number {
  const s = sum(x);
  return isF32(x) ? Math.fround(s / x.length) : s / x.length;
}

/**
 * np.mean and np.var(ddof) of a sequence of `n` values that can be replayed: numpy's two-pass algorithm
 * (pairwise mean, then pairwise sum of squared deviations), in float32 when `float32` is set. The first replay
 * is the mean pass, the second the deviation pass.
 */
export function momentsOfStream(n: number, replay: () => Fill, ddof: number, float32: boolean): { mean: number; variance: number } {
  const rd = float32 ? Math.fround : identity;
  const m = rd(blockedSum(n, replay(), float32) / n);
  const fill = replay();
  const ss = blockedSum(n, (buf, count) => {
    fill(buf, count);
    for (let k = 0; k < count; k++) {
      const d = rd(buf[k] - m);
      buf[k] = rd(d * d);
    }
  }, float32);
  return { mean: m, variance: rd(ss / Math.max(n - ddof, 0)) };
}

/** np.var(x, ddof). */
export function variance(x: NumericArray, ddof = 0): number {
  return momentsOfStream(x.length, () => arrayFill(x), ddof, isF32(x)).variance;
}

/** np.std(x, ddof): ddof 0 = population (nnU-Net preprocessing), 1 = unbiased (torch.std). */
export function std(x: NumericArray, ddof = 0): number {
  const v = Math.sqrt(variance(x, ddof));
  return isF32(x) ? Math.fround(v) : v;
}

/**
 * Fetch the k-th smallest value (0-based). A sorted array is indexed directly; callers with a compressed
 * order (value -> count tables) pass their own accessor.
 */
export type OrderStatistic = (k: number) => number;

/**
 * np.percentile(x, p) with the default 'linear' method (numpy 1.22+ `_lerp`): virtual index
 * (n-1)·p/100, the neighbour difference taken in the array precision, the interpolation in float64,
 * computed from the upper neighbour when the fraction is >= 0.5.
 */
export function percentileFromOrder(n: number, kth: OrderStatistic, p: number, float32 = false): number {
  if (n === 0) return NaN;
  const virt = (n - 1) * (p / 100);
  const lo = Math.min(Math.max(Math.floor(virt), 0), n - 1);
  const hi = Math.min(lo + 1, n - 1);
  const t = virt - lo;
  const a = kth(lo);
  const b = kth(hi);
  const diff = float32 ? Math.fround(b - a) : b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

type SortableArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** np.percentile(x, ps) for several p at once (one sort). Pass `sorted: true` to skip sorting. */
export function percentilesLinear(x: SortableArray, ps: readonly number[], opts: { sorted?: boolean } = {}): number[] {
  const s = opts.sorted ? x : x.slice().sort();
  return ps.map((p) => percentileFromOrder(s.length, (k) => s[k], p, isF32(x)));
}

export function percentileLinear(x: SortableArray, p: number, opts: { sorted?: boolean } = {}): number {
  return percentilesLinear(x, [p], opts)[0];
}

/**
 * np.median: the middle value, or the mean of the two middle values in the array's precision. Not the same
 * bits as np.percentile(x, 50), which interpolates (nnU-Net uses both, in different places).
 */
export function median(x: SortableArray, opts: { sorted?: boolean } = {}): number {
  const n = x.length;
  if (n === 0) return NaN;
  const s = opts.sorted ? x : x.slice().sort();
  const mid = n >> 1;
  if (n % 2 === 1) return s[mid];
  return isF32(x) ? Math.fround(Math.fround(s[mid - 1] + s[mid]) / 2) : (s[mid - 1] + s[mid]) / 2;
}

/** Median of a plain number list (planner inputs: spacings, shapes), as np.median on float64. */
export function medianOf(values: readonly number[]): number {
  return median(Float64Array.from(values));
}

/** np.percentile of a plain number list, as on float64. */
export function percentileOf(values: readonly number[], p: number): number {
  return percentileLinear(Float64Array.from(values), p);
}

/** numpy's rejection mask: the smallest 2^k - 1 >= max. */
function maskFor(max: number): number {
  if (max > 0xffffffff) throw new RangeError(`bounded: ranges above 2**32 are not supported (${max})`);
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask >>> 0;
}

const N = 624;
const M = 397;

/**
 * numpy's legacy `np.random.RandomState(seed)`: MT19937 seeded with `init_genrand` from a 32-bit integer,
 * and the legacy draw methods built on it (masked rejection sampling for integers).
 */
export class RandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`RandomState seed must be an integer in [0, 2**32 - 1], got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev mod 2^32 without losing bits in float math
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  private generate(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    const y = (mt[N - 1] & 0x80000000) | (mt[0] & 0x7fffffff);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    this.pos = 0;
  }

  /** genrand_int32 (numpy `random_uint32` / `randint(2**32, dtype=uint32)`). */
  randomUint32(): number {
    if (this.pos >= N) this.generate();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy `random_interval(max)`: uniform integer in [0, max] by masked rejection; no draw when max is 0. */
  bounded(max: number): number {
    if (max === 0) return 0;
    const mask = maskFor(max);
    let v: number;
    do v = (this.randomUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /** `count` draws of `bounded(max)` into out[0 .. count): the same stream, without a call per draw. */
  boundedMany(max: number, out: Uint32Array | Int32Array | Float64Array, count: number): void {
    if (max === 0) {
      out.fill(0, 0, count);
      return;
    }
    const mask = maskFor(max);
    const mt = this.mt;
    for (let k = 0; k < count; k++) {
      let v: number;
      do {
        if (this.pos >= N) this.generate();
        let y = mt[this.pos++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        v = (y & mask) >>> 0;
      } while (v > max);
      out[k] = v;
    }
  }

  /** `randint(low, high)`: one integer in [low, high) (legacy masked path). */
  randint(low: number, high: number): number {
    if (high <= low) throw new RangeError(`randint: low >= high (${low}, ${high})`);
    return low + this.bounded(high - low - 1);
  }

  /** `random_sample()`: a 53-bit double in [0, 1) from two 32-bit draws, as numpy. */
  randomSample(): number {
    const a = this.randomUint32() >>> 5;
    const b = this.randomUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `shuffle(a)` in place: Fisher-Yates from the end with `bounded(i)`. */
  shuffle<T extends { length: number; [i: number]: any }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.bounded(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** `permutation(n)` = shuffle(arange(n)). */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    return this.shuffle(a);
  }

  /**
   * `choice(n, k, replace)` over arange(n): with replacement `k` draws of `randint(0, n)`; without, the
   * first `k` entries of `permutation(n)`.
   */
  choice(n: number, k: number, replace = true): Int32Array {
    if (n <= 0 || n > 0x7fffffff) throw new RangeError(`choice: population must be in [1, 2**31 - 1], got ${n}`);
    if (!replace) {
      if (k > n) throw new RangeError(`choice: cannot take ${k} of ${n} without replacement`);
      return this.permutation(n).slice(0, k);
    }
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) out[i] = this.bounded(n - 1);
    return out;
  }
}
