/**
 * The per-kind WGSL of the conv GEMM (conv-gemm.ts): how a thread fills its part of the A and B tiles; where each
 * element goes in workgroup memory is the register block's (conv-gemm-blocks.ts). The index arithmetic is hoisted
 * out of the per-element loads. A thread's tile rows stay the same for the whole kernel (fwd: rows ty + 16 i; dx:
 * up to 4 rows; dw: row lid % tileM), so they are decomposed once, before the k loop; a k-tile's columns are
 * decomposed once per tile (fwd/dx: the thread's column(s); dw: the 16 voxels of the tile, by 16 threads into
 * workgroup memory, one tile ahead so no extra barrier is needed). The loads themselves are an add and three
 * unsigned compares (a negative coordinate wraps to a huge u32), joined by a non-short-circuit & and a select,
 * without branches: with a branch per load, SwiftShader took 40 s to compile a 128-row data gradient (1 s now).
 * Unsigned arithmetic wherever values are non-negative: Tint guards every signed division and modulo against
 * overflow.
 */
import type { GemmKind, GemmPlan, Phase } from './conv-gemm.js';

export const BK = 16;
export const WG = 16;

/** A coordinate that fails every bounds check after adding any tap: marks rows and voxels outside the matrix. */
const FAR = -(2 ** 30);

/**
 * x-gather shared by fwd (rows: output voxels, columns: (tap, ci)) and dw (the transpose): an output voxel's base
 * input corner and offset, a (tap, ci) column's offset, and the load that adds the two.
 */
const X_GATHER = `
struct Vox { base: i32, d: i32, h: i32, w: i32 }
fn voxOf(v: u32, end: u32) -> Vox {
  if (v >= end) { return Vox(0, ${FAR}, ${FAR}, ${FAR}); }
  let ow = v % OW; let t1 = v / OW; let oh = t1 % OH; let t2 = t1 / OH; let od = t2 % OD; let b = t2 / OD;
  let d = i32(od * SD) - PD; let h = i32(oh * SH) - PH; let w = i32(ow * SW) - PW;
  return Vox((((i32(b * ID) + d) * IH + h) * IW + w) * CI, d, h, w);
}
struct Tap { off: i32, d: i32, h: i32, w: i32 }
fn tapOf(k: u32, end: u32) -> Tap {
  if (k >= end) { return Tap(0, ${FAR}, ${FAR}, ${FAR}); }
  let ci = k % CI; let tap = k / CI; let kw = tap % KW; let t3 = tap / KW; let kh = t3 % KH; let kd = t3 / KH;
  return Tap(i32(((kd * IH + kh) * IW + kw) * CI + ci), i32(kd), i32(kh), i32(kw));
}
fn loadA(v: Vox, t: Tap) -> f32 {
  let ok = (u32(v.d + t.d) < ID) & (u32(v.h + t.h) < IH) & (u32(v.w + t.w) < IW);
  return select(0.0, f32(A[select(0, v.base + t.off, ok)]), ok);
}
fn loadB(k: u32, n: u32, end: u32) -> f32 {
  let ok = (k < end) & (n < N);
  return select(0.0, f32(B[select(0u, k * CO + n, ok)]), ok);
}`;

/**
 * dy-gather of dx, split by phase (conv-gemm's phasesOf): rows are the input voxels of one phase, enumerated as
 * (b, cd, ch, cw) with id = fd + cd * SD; their taps are kd = rd + jd * SD only, and od = qd + cd - jd is then an
 * exact quotient, so the load is an add and three unsigned compares as in the x-gather. The phase's counts are
 * runtime values, so its rows are decomposed once per kernel and its taps once per k-tile.
 */
const DY_GATHER = `
struct Row { base: i32, d: i32, h: i32, w: i32, m: u32 }
fn rowOf(ph: Phase, r: u32) -> Row {
  if (r >= ph.rows) { return Row(0, ${FAR}, ${FAR}, ${FAR}, M); }
  let cw = r % ph.cw; let t1 = r / ph.cw; let ch = t1 % ph.ch; let t2 = t1 / ph.ch; let cd = t2 % ph.cd; let b = t2 / ph.cd;
  let m = ((b * ID + ph.fd + cd * SD) * IH + ph.fh + ch * SH) * IW + ph.fw + cw * SW;
  let qd = ph.qd + cd; let qh = ph.qh + ch; let qw = ph.qw + cw;
  return Row(i32((((b * OD + qd) * OH + qh) * OW + qw) * CO), i32(qd), i32(qh), i32(qw), m);
}
struct Tap { off: i32, d: i32, h: i32, w: i32, wOff: u32, ok: bool }
fn tapOf(ph: Phase, k: u32, end: u32) -> Tap {
  let co = k % CO; let j = k / CO; let jw = j % ph.tw; let t3 = j / ph.tw; let jh = t3 % ph.th; let jd = t3 / ph.th;
  let tap = ((ph.rd + jd * SD) * KH + ph.rh + jh * SH) * KW + ph.rw + jw * SW;
  return Tap(i32(co) - i32(((jd * OH + jh) * OW + jw) * CO), i32(jd), i32(jh), i32(jw), tap * CI * CO + co, k < end);
}
fn loadA(r: Row, t: Tap) -> f32 {
  let ok = t.ok & (u32(r.d - t.d) < OD) & (u32(r.h - t.h) < OH) & (u32(r.w - t.w) < OW);
  return select(0.0, f32(A[select(0, r.base + t.off, ok)]), ok);
}
fn loadB(t: Tap, n: u32) -> f32 {
  let ok = t.ok & (n < N);
  return select(0.0, f32(B[select(0u, t.wOff + n * CO, ok)]), ok);
}`;

/** WGSL: the phases as a struct and phaseOf(m-tile), an if-chain over their first tiles (no dynamic indexing). */
function phaseTable(phases: Phase[]): string {
  const fields = ['tile0', 'rows', 'k', 'cd', 'ch', 'cw', 'fd', 'fh', 'fw', 'qd', 'qh', 'qw', 'rd', 'rh', 'rw', 'th', 'tw'];
  const lit = (p: Phase): string => `Phase(${[p.tile0, p.rows, p.K, ...p.count, ...p.first, ...p.q0, ...p.residue,
    p.taps[1], p.taps[2]].map((v) => `${v}u`).join(', ')})`;
  const last = phases[phases.length - 1];
  return `
struct Phase { ${fields.map((f) => `${f}: u32`).join(', ')} }
fn phaseOf(tm: u32) -> Phase {
  ${phases.slice(1).map((p, i) => `if (tm < ${p.tile0}u) { return ${lit(phases[i])}; }`).join('\n  ')}
  return ${lit(last)};
}`;
}

export interface Gather {
  /** module-scope WGSL: structs, load functions, extra workgroup memory */
  decls: string;
  /** main() before the k loop: m0, kEnd and trips (the k-tiles this workgroup runs), the thread's fixed rows */
  setup: string;
  /** the k loop's body before the first barrier: fill As and Bs for the tile starting at k0 */
  loads: string;
  /** the output row of any row of the tile (a WGSL u32 expression), M when it lies past the matrix */
  outRow: (tileRow: string) => string;
}

/**
 * The store of a loaded f32 element into workgroup memory (a WGSL assignment): the register block
 * (conv-gemm-blocks.ts) lays the tiles out and picks their element type.
 */
export interface TileStores {
  a: (k: string, m: string, value: string) => string;
  b: (k: string, n: string, value: string) => string;
}

/** Whether a warp's stores into As / Bs hit one bank unless their rows are padded (they run along k). */
export const STORES_ALONG_K: Record<GemmKind, { a: boolean; b: boolean }> = {
  fwd: { a: true, b: false },
  dx: { a: true, b: true },
  dw: { a: false, b: false },
};

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Bs filled along n (fwd, dw: B is row-major [K, N], so consecutive threads read consecutive n) */
function bRowMajor(tileN: number, at: TileStores): string {
  const loads = Math.max(1, (tileN * BK) / (WG * WG));
  return range(loads).map((i) => `{ let e = lid + ${i * WG * WG}u; let kb = e / ${tileN}u; let nb = e % ${tileN}u;
      if (kb < ${BK}u) { ${at.b('kb', 'nb', 'loadB(k0 + kb, n0 + nb, kEnd)')}; } }`).join('\n    ');
}

/** m0 and kEnd of a product whose rows are the matrix's: a constant trip count, masked by kEnd */
const WHOLE = `let m0 = tm * TM; let kEnd = min(K, kBegin + KCHUNK); let trips = KCHUNK / ${BK}u;`;
const plainRow = (i: number): string => `m0 + ty + ${i * WG}u`;

export function gatherOf(kind: GemmKind, plan: GemmPlan, at: TileStores): Gather {
  const { tileM, tileN } = plan;
  const rows = range(tileM / WG);
  if (kind === 'fwd') {
    return {
      decls: X_GATHER, outRow: (r) => `m0 + ${r}`,
      setup: `${WHOLE}\n  ${rows.map((i) => `let r${i} = voxOf(${plainRow(i)}, M);`).join(' ')}`,
      loads: `{ let tp = tapOf(k0 + tx, kEnd);
      ${rows.map((i) => `${at.a('tx', `ty + ${i * WG}u`, `loadA(r${i}, tp)`)};`).join(' ')} }
    ${bRowMajor(tileN, at)}`,
    };
  }
  if (kind === 'dx') {
    // Bs filled along k like As (the thread's columns): its weight offset then comes with the tap the thread
    // decomposed. A thread keeps at most 4 rows' Row, which live through the k loop (registers), so a 128-row
    // tile gives each thread 2 columns of 4 rows rather than 1 of 8.
    // The phase's K sets the trip count: made workgroup-uniform (workgroupId is a private variable to WGSL's
    // uniformity analysis) so the barriers stay in uniform control flow.
    const cols = Math.max(1, tileM / 64);
    const kPer = BK / cols;
    const step = (WG * WG) / kPer;
    const loadRows = range(tileM / step);
    const bRows = range(Math.ceil(tileN / step));
    const nOf = (j: number): string => `rb + ${j * step}u`;
    return {
      decls: `${phaseTable(plan.phases)}\n${DY_GATHER}\nvar<workgroup> wTrips: u32;`,
      outRow: (r) => `rowOf(ph, m0 + ${r}).m`,
      setup: `let ph = phaseOf(tm);
  let m0 = (tm - ph.tile0) * TM;
  let kEnd = min(ph.k, kBegin + KCHUNK);
  if (lid == 0u) { wTrips = select(0u, (kEnd - kBegin + ${BK - 1}u) / ${BK}u, kEnd > kBegin); }
  let trips = workgroupUniformLoad(&wTrips);
  let kc = lid % ${kPer}u; let rb = lid / ${kPer}u;
  ${loadRows.map((i) => `let r${i} = rowOf(ph, m0 + rb + ${i * step}u);`).join(' ')}`,
      loads: range(cols).map((c) => `{ let kt = kc + ${c * kPer}u; let tp = tapOf(ph, k0 + kt, kEnd);
      ${loadRows.map((i) => `${at.a('kt', `rb + ${i * step}u`, `loadA(r${i}, tp)`)};`).join(' ')}
      ${bRows.map((j) => `${tileN < (j + 1) * step ? `if (${nOf(j)} < ${tileN}u) ` : ''}{ ${at.b('kt', nOf(j), `loadB(tp, n0 + ${nOf(j)})`)}; }`).join(' ')} }`).join('\n    '),
    };
  }
  // dw: the thread's row m (tap, ci) is fixed; the tile's voxels are decomposed one tile ahead into Vt
  const step = (WG * WG) / tileM;
  return {
    decls: `${X_GATHER}\nvar<workgroup> Vt: array<array<Vox, ${BK}>, 2>;`, outRow: (r) => `m0 + ${r}`,
    setup: `${WHOLE}
  let tp = tapOf(m0 + lid % ${tileM}u, M);
  if (lid < ${BK}u) { Vt[0][lid] = voxOf(kBegin + lid, kEnd); }
  workgroupBarrier();`,
    loads: `${range((tileM * BK) / (WG * WG)).map((i) => `{ let kk = lid / ${tileM}u + ${i * step}u; ${at.a('kk', `lid % ${tileM}u`, 'loadA(Vt[t % 2u][kk], tp)')}; }`).join('\n    ')}
    ${bRowMajor(tileN, at)}
    if (lid < ${BK}u) { Vt[(t + 1u) % 2u][lid] = voxOf(k0 + ${BK}u + lid, kEnd); }`,
  };
}
