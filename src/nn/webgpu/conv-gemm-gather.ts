/**
 * The per-kind WGSL of the conv GEMM (conv-gemm.ts): how a thread fills its part of the A and B tiles. The index
 * arithmetic is hoisted out of the per-element loads. A thread's tile rows stay the same for the whole kernel
 * (fwd/dx: rows ty + 16 i; dw: row lid % tileM), so they are decomposed once, before the k loop; a k-tile's
 * columns are decomposed once per tile (fwd/dx: the thread's single column tx; dw: the 16 voxels of the tile, by
 * 16 threads into workgroup memory, one tile ahead so no extra barrier is needed). The loads themselves are an add
 * and three unsigned compares (a negative coordinate wraps to a huge u32). Unsigned arithmetic wherever values
 * are non-negative: Tint guards every signed division and modulo against overflow.
 */
import type { GemmKind } from './conv-gemm.js';

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
  if (u32(v.d + t.d) >= ID || u32(v.h + t.h) >= IH || u32(v.w + t.w) >= IW) { return 0.0; }
  return f32(A[v.base + t.off]);
}
fn loadB(k: u32, n: u32, end: u32) -> f32 {
  if (k >= end || n >= N) { return 0.0; }
  return f32(B[k * CO + n]);
}`;

/**
 * dy-gather of dx (rows: input voxels, columns: (tap, co)): y[od] gets x[od * SD - PD + kd], so input voxel id
 * takes dy[od] from tap kd when td = id + PD - kd is a non-negative multiple of SD below OD * SD.
 */
const DY_GATHER = `
struct Row { b: i32, d: i32, h: i32, w: i32 }
fn rowOf(m: u32) -> Row {
  if (m >= M) { return Row(0, ${FAR}, ${FAR}, ${FAR}); }
  let iw = m % IW; let t1 = m / IW; let ih = t1 % IH; let t2 = t1 / IH; let id = t2 % ID; let b = t2 / ID;
  return Row(i32(b * OD), i32(id) + PD, i32(ih) + PH, i32(iw) + PW);
}
struct Tap { co: u32, d: i32, h: i32, w: i32, wOff: u32, ok: bool }
fn tapOf(k: u32, end: u32) -> Tap {
  let co = k % CO; let tap = k / CO; let kw = tap % KW; let t3 = tap / KW; let kh = t3 % KH; let kd = t3 / KH;
  return Tap(co, i32(kd), i32(kh), i32(kw), tap * CI * CO + co, k < end);
}
fn loadA(r: Row, t: Tap) -> f32 {
  let td = r.d - t.d; let th = r.h - t.h; let tw = r.w - t.w;
  if (!t.ok || td < 0 || th < 0 || tw < 0) { return 0.0; }
  let ud = u32(td); let uh = u32(th); let uw = u32(tw);
  if (ud % SD != 0u || uh % SH != 0u || uw % SW != 0u) { return 0.0; }
  let od = ud / SD; let oh = uh / SH; let ow = uw / SW;
  if (od >= OD || oh >= OH || ow >= OW) { return 0.0; }
  return f32(A[(((u32(r.b) + od) * OH + oh) * OW + ow) * CO + t.co]);
}
fn loadB(t: Tap, n: u32) -> f32 {
  if (!t.ok || n >= N) { return 0.0; }
  return f32(B[t.wOff + n * CO]);
}`;

export interface Gather {
  /** module-scope WGSL: structs, load functions, extra workgroup memory */
  decls: string;
  /** main() before the k loop: the thread's fixed rows (or row) */
  setup: string;
  /** the k loop's body before the first barrier: fill As and Bs for the tile starting at k0 */
  loads: string;
  /** whether the As / Bs stores of a warp hit one bank unless the rows are padded */
  padA: boolean;
  padB: boolean;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Bs filled along n (fwd, dw: B is row-major [K, N], so consecutive threads read consecutive n) */
function bRowMajor(tileN: number): string {
  const loads = Math.max(1, (tileN * BK) / (WG * WG));
  return range(loads).map((i) => `{ let e = lid + ${i * WG * WG}u; let kb = e / ${tileN}u; let nb = e % ${tileN}u;
      if (kb < ${BK}u) { Bs[kb][nb] = loadB(k0 + kb, n0 + nb, kEnd); } }`).join('\n    ');
}

export function gatherOf(kind: GemmKind, tileM: number, tileN: number): Gather {
  const rows = range(tileM / WG);
  if (kind === 'fwd') {
    return {
      decls: X_GATHER, padA: true, padB: false,
      setup: rows.map((i) => `let r${i} = voxOf(m0 + ty + ${i * WG}u, M);`).join(' '),
      loads: `{ let tp = tapOf(k0 + tx, kEnd);
      ${rows.map((i) => `As[tx][ty + ${i * WG}u] = loadA(r${i}, tp);`).join(' ')} }
    ${bRowMajor(tileN)}`,
    };
  }
  if (kind === 'dx') {
    // Bs filled along k like As (column tx): its weight offset then comes with the tap the thread decomposed
    return {
      decls: DY_GATHER, padA: true, padB: true,
      setup: rows.map((i) => `let r${i} = rowOf(m0 + ty + ${i * WG}u);`).join(' '),
      loads: `{ let tp = tapOf(k0 + tx, kEnd);
      ${rows.map((i) => `As[tx][ty + ${i * WG}u] = loadA(r${i}, tp);`).join(' ')}
      ${range(tileN / WG).map((j) => `Bs[tx][ty + ${j * WG}u] = loadB(tp, n0 + ty + ${j * WG}u);`).join(' ')} }`,
    };
  }
  // dw: the thread's row m (tap, ci) is fixed; the tile's voxels are decomposed one tile ahead into Vt
  const step = (WG * WG) / tileM;
  return {
    decls: `${X_GATHER}\nvar<workgroup> Vt: array<array<Vox, ${BK}>, 2>;`, padA: false, padB: false,
    setup: `let tp = tapOf(m0 + lid % ${tileM}u, M);
  if (lid < ${BK}u) { Vt[0][lid] = voxOf(kBegin + lid, kEnd); }
  workgroupBarrier();`,
    loads: `${range((tileM * BK) / (WG * WG)).map((i) => `{ let kk = lid / ${tileM}u + ${i * step}u; As[kk][lid % ${tileM}u] = loadA(Vt[t % 2u][kk], tp); }`).join('\n    ')}
    ${bRowMajor(tileN)}
    if (lid < ${BK}u) { Vt[(t + 1u) % 2u][lid] = voxOf(k0 + ${BK}u + lid, kEnd); }`,
  };
}
