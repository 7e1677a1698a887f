/**
 * Convolutions as implicit GEMM in WGSL: the im2col matrix is never built; each workgroup gathers its tile of it
 * straight from the channels-last tensor into workgroup memory (conv-gemm-gather.ts), then every thread
 * accumulates a register block of the output tile (conv-gemm-blocks.ts: tiled or vec4). One generator covers
 * the three products of a convolution (all in the 3-D terms of ConvShape; 2-D is depth 1):
 *   fwd: y[vox_out, co]   = sum_(tap,ci)       x-gather[vox_out, (tap,ci)] * w[(tap,ci), co]
 *   dx:  dx[vox_in, ci]   = sum_(tap,co)       dy-gather[vox_in, (tap,co)] * w[(tap,ci), co]
 *   dw:  dw[(tap,ci), co] = sum_(n,vox_out)    x-gather[(tap,ci), vox_out] * dy[vox_out, co]
 * When the output has too few tiles to fill the GPU (dw always: its reduction runs over every output voxel; fwd
 * and dx in deep layers), K is split over workgroups (z) into partial sums that one reduction adds in a fixed
 * order (deterministic). Shapes are compiled in as constants (one pipeline per layer
 * shape, cached by tfjs): the index arithmetic then divides by constants.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program.js';
import type { ConvShape } from '../kernels/conv-geometry.js';
import { blockOf, type GemmVariant } from './conv-gemm-blocks.js';
import { BK, gatherOf, STORES_ALONG_K, WG } from './conv-gemm-gather.js';
import type { ConvPrecision } from './precision.js';
import { runProgram } from './program.js';
import { sumRows } from './reduce.js';

export type GemmKind = 'fwd' | 'dx' | 'dw';

/** workgroups that fill a large GPU (an H200 has 132 SMs) */
const FILL = 1024;
/** fewest reduction terms per split: below this the partial sums cost more traffic than they save */
const MIN_CHUNK: Record<GemmKind, number> = { fwd: 128, dx: 128, dw: 512 };

/**
 * One phase of a data gradient: the input voxels whose coordinate plus padding leaves residue r mod the stride on
 * every axis. Only taps k = r + j * stride reach them (the others fall between output voxels), so each phase is
 * its own GEMM with K = its taps x CO. Per axis: first voxel, voxel count, dy coordinate q0 of the first voxel,
 * residue, tap count.
 */
export interface Phase { tile0: number; rows: number; K: number; first: number[]; count: number[]; q0: number[]; residue: number[]; taps: number[] }

export interface GemmPlan {
  variant: GemmVariant;
  /** the tiles' element type (f16: mixed precision, precision.ts); the sums are f32 either way */
  precision: ConvPrecision;
  M: number; N: number;
  /** the longest reduction (of any phase) */
  K: number;
  tileM: number; tileN: number; tilesM: number; tilesN: number; split: number; kChunk: number;
  /** dx: its phases (one for stride 1), each a range of m-tiles from tile0; fwd/dw: none */
  phases: Phase[];
}

/** dx's phases with at least one voxel; tile0 left 0 (gemmPlan sets it once the tile rows are known). */
export function phasesOf(s: ConvShape): Phase[] {
  const out: Phase[] = [];
  const [SD, SH, SW] = s.strides;
  for (let rd = 0; rd < SD; rd++) {
    for (let rh = 0; rh < SH; rh++) {
      for (let rw = 0; rw < SW; rw++) {
        const residue = [rd, rh, rw];
        const first = residue.map((r, a) => (((r - s.padBefore[a]) % s.strides[a]) + s.strides[a]) % s.strides[a]);
        const count = first.map((f, a) => Math.max(0, ceil(s.inSize[a] - f, s.strides[a])));
        const q0 = first.map((f, a) => (f + s.padBefore[a] - residue[a]) / s.strides[a]);
        const taps = residue.map((r, a) => Math.max(0, ceil(s.kernel[a] - r, s.strides[a])));
        const rows = s.batch * prod(count);
        if (rows > 0) out.push({ tile0: 0, rows, K: prod(taps) * s.outChannels, first, count, q0, residue, taps });
      }
    }
  }
  return out;
}

const ceil = (a: number, b: number): number => Math.ceil(a / b);
const prod = (a: number[]): number => a.reduce((x, y) => x * y, 1);

export function gemmPlan(kind: GemmKind, s: ConvShape, variant: GemmVariant = 'tiled', precision: ConvPrecision = 'f32'): GemmPlan {
  const taps = prod(s.kernel);
  const vin = s.batch * prod(s.inSize);
  const vout = s.batch * prod(s.outSize);
  const phases = kind === 'dx' ? phasesOf(s) : [];
  const [M, N, K] = kind === 'fwd' ? [vout, s.outChannels, taps * s.inChannels]
    : kind === 'dx' ? [vin, s.inChannels, Math.max(...phases.map((p) => p.K))]
      : [taps * s.inChannels, s.outChannels, vout];
  // tiled: columns per tile follow the channel count (16-128: a wider tile on 32 channels would compute zeros);
  // rows: 8 per thread (128) once there are enough tiles to fill a large GPU, else 4 (64), and below 64 rows (of
  // a phase) they follow M (16 or 32: a deep layer's few voxels would otherwise leave most of a 64-row tile
  // computing zeros). vec4: 32-128 columns (4 per thread) and 8192 / 4096 outputs per tile (8 / 4 rows per
  // thread), within 16 KiB of workgroup memory.
  const pow2 = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));
  const rowsPerPhase = phases.length > 0 ? Math.max(...phases.map((p) => p.rows)) : M;
  const columns = Math.min(128, 16 * pow2(ceil(N, 16)));
  const tileN = variant === 'vec4' ? Math.max(32, columns) : columns;
  const tileM = variant === 'vec4' ? (tileN === 128 ? 64 : 128)
    : rowsPerPhase < 64 ? Math.max(16, pow2(rowsPerPhase)) : ceil(M, 128) * ceil(N, tileN) >= 512 ? 128 : 64;
  let tilesM = ceil(M, tileM);
  if (phases.length > 0) {
    tilesM = 0;
    for (const p of phases) {
      p.tile0 = tilesM;
      tilesM += ceil(p.rows, tileM);
    }
  }
  const tilesN = ceil(N, tileN);
  // Split-K when the output tiles are too few to fill a large GPU (deep layers: few voxels, K = taps x 320; dw:
  // K = every output voxel): enough workgroups for FILL, each still summing at least MIN_CHUNK[kind] terms.
  let split = Math.max(1, Math.min(ceil(FILL, tilesM * tilesN), Math.floor(K / MIN_CHUNK[kind])));
  const kChunk = ceil(ceil(K, split), BK) * BK;
  split = ceil(K, kChunk);
  return { variant, precision, M, N, K, tileM, tileN, tilesM, tilesN, split, kChunk, phases };
}

/**
 * Whether the vec4 block is worth timing for a product: where the tiled plan itself uses tiles of at least 64 rows
 * and 32 columns. Below that the tiled block fits its tiles to the matrix (deep layers, 16 channels), and vec4's
 * 128 x 32 or 64 x 128 tiles would compute 2-8x more zeros than it saves in workgroup-memory reads.
 */
export function vec4Worthwhile(kind: GemmKind, s: ConvShape): boolean {
  const p = gemmPlan(kind, s);
  return p.tileM >= 64 && p.tileN >= 32;
}

/** Spreads the tile count over x and y so no dispatch dimension passes WebGPU's 65535. */
function dispatchOf(p: GemmPlan): [number, number, number] {
  const tiles = p.tilesM * p.tilesN;
  const x = tiles <= 65535 ? tiles : 32768;
  return [x, ceil(tiles, x), p.split];
}

function consts(s: ConvShape, p: GemmPlan): string {
  const [ID, IH, IW] = s.inSize;
  const [OD, OH, OW] = s.outSize;
  const [KD, KH, KW] = s.kernel;
  const [SD, SH, SW] = s.strides;
  const [PD, PH, PW] = s.padBefore;
  const c = { ID, IH, IW, OD, OH, OW, KD, KH, KW, SD, SH, SW, PD, PH, PW, CI: s.inChannels, CO: s.outChannels,
    M: p.M, N: p.N, K: p.K, TM: p.tileM, KCHUNK: p.kChunk, TILES_N: p.tilesN, TILES: p.tilesM * p.tilesN };
  return Object.entries(c).map(([k, v]) => `const ${k} = ${v};`).join('\n');
}

/**
 * The program for tfjs's runWebGPUProgram. Inputs: A (x for fwd/dw, dy for dx), B (w for fwd/dx, dy for dw),
 * and for fwd an optional bias (unsplit products only). Output: [split, M, N] partial sums over K.
 */
export class ConvGemmProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0], y: [1], z: [2] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, WG, 1];

  constructor(readonly kind: GemmKind, readonly s: ConvShape, readonly plan: GemmPlan, readonly bias: boolean) {
    if (bias && plan.split > 1) throw new Error('ConvGemmProgram: a split-K product adds its bias after the reduction');
    this.variableNames = bias ? ['A', 'B', 'bias'] : ['A', 'B'];
    this.outputShape = [plan.split, plan.M, plan.N];
    this.dispatch = dispatchOf(plan);
    this.shaderKey = `nnConvGemm_${plan.variant}_${plan.precision}_${kind}_${bias}_${JSON.stringify(s)}_${plan.tileM}x${plan.tileN}_${plan.split}`;
  }

  getUserCode(): string {
    const block = blockOf(this.plan, STORES_ALONG_K[this.kind]);
    const g = gatherOf(this.kind, this.plan, block);
    return `
${consts(this.s, this.plan)}
${block.shared}
${g.decls}
${'fn main()'} {
  // tfjs binds its uniform block after the inputs: a static use keeps it in the pipeline layout
  _ = uniforms.NAN;
  let tileId = workgroupId.y * numWorkgroups.x + workgroupId.x;
  let tm = tileId / TILES_N;
  let n0 = (tileId % TILES_N) * ${this.plan.tileN}u;
  let tx = localId.x;
  let ty = localId.y;
  let lid = localIndex;
  let kBegin = workgroupId.z * KCHUNK;
  ${g.setup}
  ${block.init}
  for (var t = 0u; t < trips; t = t + 1u) {
    let k0 = kBegin + t * ${BK}u;
    ${g.loads}
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk = kk + 1u) {
      ${block.step}
    }
    workgroupBarrier();
  }
  ${block.store(g, this.bias)}
}`;
  }
}

/**
 * One product of a convolution on the GEMM kernel (conv-gemm.ts), as [M, N]. Split-K partial sums are added by
 * sumRows in a fixed order, and the bias once after that sum.
 */
export function gemm(kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null,
  variant: GemmVariant = 'tiled', precision: ConvPrecision = 'f32'): tf.Tensor {
  const plan = gemmPlan(kind, s, variant, precision);
  const split = plan.split > 1;
  const program = new ConvGemmProgram(kind, s, plan, bias !== null && !split);
  const out = runProgram(program, bias && !split ? [a, b, bias] : [a, b]);
  const y = !split ? tf.reshape(out, [plan.M, plan.N]) : tf.tidy(() => {
    const sum = tf.reshape(sumRows(tf.reshape(out, [1, plan.split, plan.M * plan.N])), [plan.M, plan.N]);
    return bias ? tf.add(sum, bias) : sum;
  });
  out.dispose();
  return y;
}
