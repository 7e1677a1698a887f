/**
 * NetOps on the native kernels, forward and backward. The convolutions are registered kernels with registered
 * gradients (lazy per input, see conv-calls.ts); the other ops are tfjs customGrads whose forward and
 * gradient are single native kernel calls (instance norm's three gradients come from one pass).
 * Install with `useNetOps(onednnNetOps)` after `registerNativeKernels()`.
 */
import { customGrad, engine, type GradSaveFunc, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import type { NetOps } from '../ops/net-ops.js';
import { convKernel, convTransposeKernel } from './conv-calls.js';
import {
  NnConcatChannels, NnInstanceNorm, NnInstanceNormGrad, NnLeakyRelu, NnLeakyReluGrad, NnSliceChannels, NnSoftmax, NnSoftmaxGrad,
} from './names.js';

type Grad = (dy: Tensor, saved: Tensor[]) => Tensor[];

const run = (name: string, inputs: Record<string, Tensor>, attrs: object = {}): Tensor | Tensor[] =>
  engine().runKernel(name, inputs, attrs as NamedAttrMap) as Tensor | Tensor[];
const one = (name: string, inputs: Record<string, Tensor>, attrs?: object): Tensor => run(name, inputs, attrs) as Tensor;
const many = (name: string, inputs: Record<string, Tensor>, attrs?: object): Tensor[] => run(name, inputs, attrs) as Tensor[];

/**
 * Runs `forward` on the tensors with `gradient` as its backward; `save` picks what the backward sees.
 * Optional inputs (a null bias) are left out of the differentiated list.
 */
function differentiable(inputs: Array<Tensor | null>, forward: (t: Tensor[]) => { value: Tensor; save: Tensor[] }, gradient: Grad): Tensor {
  const present = inputs.filter((t): t is Tensor => t !== null);
  const f = customGrad((...args: Array<Tensor | GradSaveFunc>) => {
    const save = args.pop() as GradSaveFunc;
    const { value, save: keep } = forward(args as Tensor[]);
    save(keep);
    return { value, gradFunc: gradient };
  });
  return f(...present);
}

function instanceNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number, slope: number | null): Tensor {
  // LeakyReLU with slope 1 is the identity: one kernel covers both cases.
  const s = slope ?? 1;
  return differentiable([x, gamma, beta],
    ([xs, g, b]) => {
      const [y, mean, rstd] = many(NnInstanceNorm, { x: xs, gamma: g, beta: b }, { eps, slope: s });
      return { value: y, save: [xs, g, b, mean, rstd] };
    },
    (dy, [xs, g, b, mean, rstd]) => many(NnInstanceNormGrad, { dy, x: xs, gamma: g, beta: b, mean, rstd }, { slope: s }));
}

function leakyRelu(x: Tensor, slope: number): Tensor {
  return differentiable([x],
    ([xs]) => ({ value: one(NnLeakyRelu, { x: xs }, { slope }), save: [xs] }),
    (dy, [xs]) => [one(NnLeakyReluGrad, { x: xs, dy }, { slope })]);
}

function concatChannels(a: Tensor, b: Tensor): Tensor {
  const ca = a.shape[a.rank - 1];
  const cb = b.shape[b.rank - 1];
  return differentiable([a, b],
    ([as, bs]) => ({ value: one(NnConcatChannels, { a: as, b: bs }), save: [] }),
    (dy) => [one(NnSliceChannels, { x: dy }, { begin: 0, size: ca }), one(NnSliceChannels, { x: dy }, { begin: ca, size: cb })]);
}

function softmax(logits: Tensor): Tensor {
  return differentiable([logits],
    ([z]) => {
      const y = one(NnSoftmax, { logits: z });
      return { value: y, save: [y] };
    },
    (dy, [y]) => [one(NnSoftmaxGrad, { y, dy })]);
}

export const onednnNetOps: NetOps = { name: 'onednn', conv: convKernel, convTranspose: convTransposeKernel, instanceNorm, leakyRelu, concatChannels, softmax };
