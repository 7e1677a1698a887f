/**
 * Which kernels compute each convolution product on webgpu: our implicit GEMM (conv-gemm.ts) or tfjs's stock
 * kernels (conv-stock.ts), chosen per shape by timing both on the device, as cudnn.benchmark (which nnU-Net turns
 * on) picks cuDNN's algorithm per shape. Neither wins everywhere: on SwiftShader the GEMM is 2-5x faster on the
 * first stages and 30-80x slower on 1-8-voxel deep layers; on the H200 stock Conv3D's forward beat the GEMM 3.5x
 * on the first stage. Kernels run synchronously and timing cannot, so a shape with no choice yet runs on the GEMM
 * and is queued, and tunePendingConvs(), awaited between steps, times what is queued. Choices another process
 * timed on the same adapter can be handed in (rememberConvChoices; in Node, conv-tuning-cache.ts keeps them in a
 * file): each is used only while our GEMM for its shape is the very code it was timed with (kernelFingerprint).
 */
import * as tf from '@tensorflow/tfjs-core';
import { toGeometry, type ConvShape } from '../kernels/conv-geometry.js';
import type { GemmVariant } from './conv-gemm-blocks.js';
import { ConvGemmProgram, gemm, gemmPlan, vec4Worthwhile, type GemmKind } from './conv-gemm.js';
import { stockProduct } from './conv-stock.js';
import { convPrecision, type ConvPrecision } from './precision.js';
import { msPerCall } from './timing.js';

/**
 * NNUNET_CONV_ALGO. auto: tune on a real GPU, GEMM on a CPU fallback adapter (SwiftShader: tuning there costs
 * minutes, and tests want the same kernels every run); tune: tune on any adapter; gemm, stock: always that one.
 */
export const CONV_ALGO_MODES = ['auto', 'tune', 'gemm', 'gemm-vec4', 'stock'] as const;
export type ConvAlgoMode = (typeof CONV_ALGO_MODES)[number];
/**
 * the candidates, in the order they are timed: our GEMM's two register blocks (conv-gemm-blocks.ts) in the
 * process's precision, the same two in f32 (timed only under mixed precision, so it never runs a GEMM slower than
 * f32 would have, as autocast's cuDNN picks among algorithms), then stock (f32)
 */
export const CONV_ALGOS = ['gemm', 'gemm-vec4', 'gemm-f32', 'gemm-vec4-f32', 'stock'] as const;
export type ConvAlgo = (typeof CONV_ALGOS)[number];
/** the GEMM kernel of each of our candidates (conv-gemm-blocks.ts; no precision: the process's); stock has none */
const GEMM: Partial<Record<ConvAlgo, { variant: GemmVariant; precision?: ConvPrecision }>> = {
  gemm: { variant: 'tiled' }, 'gemm-vec4': { variant: 'vec4' },
  'gemm-f32': { variant: 'tiled', precision: 'f32' }, 'gemm-vec4-f32': { variant: 'vec4', precision: 'f32' },
};
/** the candidates that differ from the others in this process: the f32 GEMMs only under mixed precision */
const inPlay = (): ConvAlgo[] => CONV_ALGOS.filter((a) => convPrecision() === 'f16' || GEMM[a]?.precision === undefined);
export type ConvPolicy = Exclude<ConvAlgoMode, 'auto'>;

let policy: ConvPolicy = 'gemm';
const chosen = new Map<string, ConvAlgo>();
const pending = new Map<string, { kind: GemmKind; s: ConvShape }>();
/** choices made by earlier processes, by shape key: trusted only if the GEMM fingerprint still matches */
const remembered = new Map<string, RememberedChoice>();
let onTuned: ((timed: ConvTiming[]) => Promise<void>) | null = null;

/** A shape's choice as an earlier process timed it; kernel is kernelFingerprint() of the GEMM it was timed against. */
export interface RememberedChoice { key: string; chosen: ConvAlgo; kernel: string }

/** The policy for a mode on an adapter (fallback: a CPU adapter such as SwiftShader). */
export const convPolicyFor = (mode: ConvAlgoMode, fallback: boolean): ConvPolicy =>
  mode === 'auto' ? (fallback ? 'gemm' : 'tune') : mode;

/** Sets the policy for the device just started; choices timed on another device are forgotten. */
export function setConvPolicy(p: ConvPolicy): void {
  policy = p;
  chosen.clear();
  pending.clear();
  remembered.clear();
  onTuned = null;
}

/** Choices timed by an earlier process on this adapter (used under `tune` only, each while its GEMM is unchanged). */
export function rememberConvChoices(choices: RememberedChoice[]): void {
  for (const c of choices) remembered.set(c.key, c);
}

/** Called with every batch of fresh timings (Node saves them for the next process). */
export function onConvsTuned(sink: ((timed: ConvTiming[]) => Promise<void>) | null): void {
  onTuned = sink;
}

/**
 * Names the code a choice was timed against: the WGSL of both GEMM kernels for the shape (and tfjs's version, for
 * the stock kernels), hashed. A changed kernel or tile plan gives a new name, so a stale choice is timed again.
 */
export function kernelFingerprint(kind: GemmKind, s: ConvShape): string {
  const gemms = new Set(inPlay().flatMap((a) => GEMM[a] ?? [])
    .map((g) => new ConvGemmProgram(kind, s, gemmPlan(kind, s, g.variant, g.precision ?? convPrecision()), false).getUserCode()));
  const code = [tf.version_core, ...gemms].join('\n');
  // two FNV-1a lanes: a change detector, not a security boundary (both kernels compute the same product)
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ code.length;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return ((a >>> 0).toString(16).padStart(8, '0')) + ((b >>> 0).toString(16).padStart(8, '0'));
}

export const convPolicy = (): ConvPolicy => policy;

/** How many timed shapes went to each kernel family so far (the page shows it). */
export function convChoices(): Partial<Record<ConvAlgo, number>> {
  const n: Partial<Record<ConvAlgo, number>> = Object.fromEntries(inPlay().map((a) => [a, 0]));
  for (const c of chosen.values()) n[c] = (n[c] ?? 0) + 1;
  return n;
}

/** f16 products are timed apart from f32 ones: their GEMMs read half the bytes (stock runs f32 in both) */
const keyOf = (kind: GemmKind, s: ConvShape): string =>
  `${kind}${convPrecision() === 'f16' ? ' f16' : ''} ${toGeometry(s).join(',')}`;

function algorithmFor(kind: GemmKind, s: ConvShape): ConvAlgo {
  if (policy !== 'tune') return policy;
  const key = keyOf(kind, s);
  const c = chosen.get(key);
  if (c) return c;
  const earlier = remembered.get(key);
  if (earlier) {
    remembered.delete(key);
    if (earlier.kernel === kernelFingerprint(kind, s)) {
      chosen.set(key, earlier.chosen);
      return earlier.chosen;
    }
  }
  pending.set(key, { kind, s });
  return 'gemm';
}

/** One product of a convolution (gemm()'s contract: [M, N]) on the kernels chosen for its shape. */
export function convProduct(kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  return productOn(algorithmFor(kind, s), kind, s, a, b, bias);
}

function productOn(algo: ConvAlgo, kind: GemmKind, s: ConvShape, a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const g = GEMM[algo];
  return g ? gemm(kind, s, a, b, bias, g.variant, g.precision ?? convPrecision()) : stockProduct(kind, s, a, b, bias);
}

/** What the tuner times for a product: vec4 only where vec4Worthwhile, the f32 GEMMs only under mixed precision. */
export const convCandidates = (kind: GemmKind, s: ConvShape): ConvAlgo[] =>
  inPlay().filter((a) => GEMM[a]?.variant !== 'vec4' || vec4Worthwhile(kind, s));

export interface ConvTiming {
  key: string;
  kind: GemmKind;
  /** kernelFingerprint of the GEMMs timed */
  kernel: string;
  /**
   * ms per call of each candidate timed (convCandidates); a loser's figure may be from one call
   * (timing stops at twice the best)
   */
  ms: Partial<Record<ConvAlgo, number>>;
  chosen: ConvAlgo;
}

/** The operands of a product: fwd (x, w), dx (dy, w), dw (x, dy). */
function operandShapes(kind: GemmKind, s: ConvShape): [number[], number[]] {
  const x = [s.batch, ...s.inSize, s.inChannels];
  const dy = [s.batch, ...s.outSize, s.outChannels];
  const w = [...s.kernel, s.inChannels, s.outChannels];
  return kind === 'fwd' ? [x, w] : kind === 'dx' ? [dy, w] : [x, dy];
}

/**
 * Times the queued shapes on their candidates (convCandidates) with random operands
 * (one warm-up, then `reps` calls each), and keeps the fastest for every later product of that shape. Returns what
 * it timed; nothing when nothing is queued.
 */
export async function tunePendingConvs(reps = 2): Promise<ConvTiming[]> {
  const timed: ConvTiming[] = [];
  for (const [key, { kind, s }] of [...pending]) {
    pending.delete(key);
    const [aShape, bShape] = operandShapes(kind, s);
    const a = tf.randomNormal(aShape, 0, 1, 'float32', 1);
    const b = tf.randomNormal(bShape, 0, 1, 'float32', 2);
    try {
      const ms: Partial<Record<ConvAlgo, number>> = {};
      let best: ConvAlgo = 'gemm';
      for (const algo of convCandidates(kind, s)) {
        const t = await msPerCall(() => productOn(algo, kind, s, a, b, null), reps, algo === best ? Infinity : 2 * ms[best]!);
        ms[algo] = t;
        if (t < ms[best]!) best = algo;
      }
      chosen.set(key, best);
      timed.push({ key, kind, kernel: kernelFingerprint(kind, s), ms, chosen: best });
    } finally {
      tf.dispose([a, b]);
    }
  }
  if (timed.length > 0 && onTuned) await onTuned(timed);
  return timed;
}

const LABEL: Record<ConvAlgo, string> = {
  gemm: 'GEMM', 'gemm-vec4': 'vec4 GEMM', 'gemm-f32': 'f32 GEMM', 'gemm-vec4-f32': 'f32 vec4 GEMM', stock: 'stock kernels',
};

/** One log line: what was timed, how many went to each candidate (by product kind), and the time saved. */
export function describeTuning(timed: ConvTiming[]): string {
  const per = inPlay().map((algo) => {
    const mine = timed.filter((t) => t.chosen === algo);
    const byKind = (['fwd', 'dx', 'dw'] as const).map((k) => [k, mine.filter((t) => t.kind === k).length] as const)
      .filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`);
    return `${LABEL[algo]} ${mine.length}${mine.length ? ` (${byKind.join(', ')})` : ''}`;
  });
  const before = timed.reduce((sum, t) => sum + t.ms.gemm!, 0);
  const after = timed.reduce((sum, t) => sum + t.ms[t.chosen]!, 0);
  const tiles = convPrecision() === 'f16' ? ' (GEMM tiles in f16)' : '';
  return `conv tuning: ${timed.length} convolution products timed on the device${tiles}: ${per.join(', ')};`
    + ` ${before.toFixed(1)} -> ${after.toFixed(1)} ms per pass over them (GEMM only -> chosen)`;
}
