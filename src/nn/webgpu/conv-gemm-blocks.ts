/**
 * The register blocks of the conv GEMM (conv-gemm.ts): how the 256 threads of a workgroup lay out the A and B
 * tiles in workgroup memory, split the output tile among themselves, accumulate, and write it. Two kernels, both
 * fed by the same gather (conv-gemm-gather.ts), and the conv tuner times them against each other per shape:
 *   tiled: thread (tx, ty) owns rows ty + 16 i and columns tx + 16 j (4x1 to 8x8), read as scalars; its tiles
 *          follow the matrix down to 16 rows and 16 columns, so deep layers and few channels compute few zeros;
 *   vec4:  thread owns 4-8 consecutive rows and 4 consecutive columns, read as vec4 (tiles of 32-128 columns):
 *          one workgroup-memory read per 8-16 FMAs instead of one per 1.6-2.7, at the price of wider tiles.
 * Either holds its tiles in f32 or, under mixed precision (precision.ts), in f16: the operands are rounded as
 * torch's autocast rounds them, half the workgroup memory is read, and the products and sums stay f32 (a product of
 * two f16 values is exact in f32), as on tensor cores.
 */
import { BK, WG, type Gather, type TileStores } from './conv-gemm-gather.js';
import type { GemmPlan } from './conv-gemm.js';
import type { ConvPrecision } from './precision.js';

export type GemmVariant = 'tiled' | 'vec4';

export interface Block extends TileStores {
  /** module-scope WGSL: workgroup memory As [BK][tileM] and Bs [BK][tileN] (and f16's directive and rounding) */
  shared: string;
  /** main() before the k loop: the accumulators */
  init: string;
  /** one step kk of the inner product, after the tiles are loaded */
  step: string;
  /** after the k loop: the result writes (bias added on an unsplit product) */
  store: (g: Gather, bias: boolean) => string;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * f32 -> f16 as torch casts: values past f16's range become inf (WGSL leaves an out-of-range conversion undefined),
 * so an overflow reaches the gradients as inf, which the loss scaler detects. The directive is hoisted to the
 * module's top when the device compiles it (precision.ts).
 */
const HALF = `enable f16;
fn toHalf(v: f32) -> f16 { return f16(select(v, sign(v) * uniforms.INFINITY, abs(v) >= 65520.0)); }`;

/** How a block's tiles hold their elements: type, the store's conversion, the read's. */
interface Element { type: string; store: (v: string) => string; read: (v: string) => string; vec4: (v: string) => string; prelude: string }

const ELEMENT: Record<ConvPrecision, Element> = {
  f32: { type: 'f32', store: (v) => v, read: (v) => v, vec4: (v) => v, prelude: '' },
  f16: { type: 'f16', store: (v) => `toHalf(${v})`, read: (v) => `f32(${v})`, vec4: (v) => `vec4<f32>(${v})`, prelude: `${HALF}\n` },
};

/** The write of one output element, masked to the matrix; partial sums of split k z go to slice z. */
const write = (m: string, n: string, value: string, bias: boolean): string =>
  `if (${m} < M && ${n} < N) { result[workgroupId.z * M * N + ${m} * N + ${n}] = ${value}${bias ? ` + f32(bias[${n}])` : ''}; }`;

/**
 * Workgroup memory of 16 KiB at most (WebGPU's default limit). pad: the tile is stored along k by a warp (its
 * columns tx), so its rows get one padding element (a vec4 in vec4 tiles) to spread the warp over the banks.
 */
export function blockOf(plan: GemmPlan, pad: { a: boolean; b: boolean }): Block {
  const { tileM, tileN } = plan;
  const e = ELEMENT[plan.precision];
  if (plan.variant === 'vec4') {
    const colGroups = tileN / 4;
    const rowsPerThread = (tileM * tileN) / (WG * WG * 4);
    const quads = range(rowsPerThread / 4);
    const c = ['x', 'y', 'z', 'w'];
    return {
      shared: `${e.prelude}var<workgroup> As: array<array<vec4<${e.type}>, ${tileM / 4 + (pad.a ? 1 : 0)}>, ${BK}>;
var<workgroup> Bs: array<array<vec4<${e.type}>, ${tileN / 4 + (pad.b ? 1 : 0)}>, ${BK}>;`,
      a: (k, m, v) => `As[${k}][(${m}) / 4u][(${m}) % 4u] = ${e.store(v)}`,
      b: (k, n, v) => `Bs[${k}][(${n}) / 4u][(${n}) % 4u] = ${e.store(v)}`,
      init: `let cg = lid % ${colGroups}u; let rg = lid / ${colGroups}u;
  ${range(rowsPerThread).map((i) => `var acc${i} = vec4<f32>();`).join(' ')}`,
      step: `let b = ${e.vec4('Bs[kk][cg]')};
      ${quads.map((q) => `{ let a = ${e.vec4(`As[kk][rg * ${rowsPerThread / 4}u + ${q}u]`)}; ${c.map((x, i) => `acc${4 * q + i} = fma(vec4<f32>(a.${x}), b, acc${4 * q + i});`).join(' ')} }`).join('\n      ')}`,
      store: (g, bias) => range(rowsPerThread).map((i) => `{ let m = ${g.outRow(`rg * ${rowsPerThread}u + ${i}u`)};
    ${c.map((x, j) => `{ let n = n0 + cg * 4u + ${j}u; ${write('m', 'n', `acc${i}.${x}`, bias)} }`).join('\n    ')} }`).join('\n  '),
    };
  }
  const rows = range(tileM / WG);
  const cols = range(tileN / WG);
  // the B pad only while both tiles fit 16 KiB with it
  const padB = pad.b && tileM + tileN < 256 ? 1 : 0;
  return {
    shared: `${e.prelude}var<workgroup> As: array<array<${e.type}, ${tileM + (pad.a ? 1 : 0)}>, ${BK}>;
var<workgroup> Bs: array<array<${e.type}, ${tileN + padB}>, ${BK}>;`,
    a: (k, m, v) => `As[${k}][${m}] = ${e.store(v)}`,
    b: (k, n, v) => `Bs[${k}][${n}] = ${e.store(v)}`,
    init: rows.map((i) => `var acc${i} = array<f32, ${cols.length}>();`).join('\n  '),
    step: `${cols.map((j) => `let b${j} = ${e.read(`Bs[kk][tx + ${j * WG}u]`)};`).join(' ')}
      ${rows.map((i) => `{ let a = ${e.read(`As[kk][ty + ${i * WG}u]`)}; ${cols.map((j) => `acc${i}[${j}] = fma(a, b${j}, acc${i}[${j}]);`).join(' ')} }`).join('\n      ')}`,
    store: (g, bias) => rows.map((i) => `{ let m = ${g.outRow(`ty + ${i * WG}u`)};
    ${cols.map((j) => `{ let n = n0 + tx + ${j * WG}u; ${write('m', 'n', `acc${i}[${j}]`, bias)} }`).join('\n    ')} }`).join('\n  '),
  };
}
