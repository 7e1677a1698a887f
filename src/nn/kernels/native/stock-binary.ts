/**
 * tfjs's Add, Sub, Multiply and RealDiv on float32 through the addon's broadcasting loop. Their gradients stay
 * tfjs's own (they are built from these same kernels). Other dtypes go to the stock kernel.
 */
import { Add, Multiply, RealDiv, Sub, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { requireAddon } from '../addon.js';
import { broadcastPlan } from '../broadcast-plan.js';
import { cpuKernel, f32, size, type CpuKernelArgs } from '../cpu-args.js';

const OPS: Array<[string, number]> = [[Add, 0], [Sub, 1], [Multiply, 2], [RealDiv, 3]];

function binary(op: number, stock: KernelFunc) {
  return (args: CpuKernelArgs<'a' | 'b'>): TensorInfo => {
    const { inputs: { a, b }, backend } = args;
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? broadcastPlan(a.shape, b.shape) : undefined;
    if (!plan || size(plan.shape) === 0) return stock(args as never) as TensorInfo;
    const outShape = a.shape.length >= b.shape.length
      ? a.shape.map((d, i) => Math.max(d, b.shape[i - a.shape.length + b.shape.length] ?? 1))
      : b.shape.map((d, i) => Math.max(d, a.shape[i - b.shape.length + a.shape.length] ?? 1));
    const out = new Float32Array(size(outShape));
    requireAddon().binaryOp(op, plan.shape, plan.stridesA, plan.stridesB, f32(backend, a), f32(backend, b), out);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

export function stockBinaryConfigs(stock: (kernelName: string) => KernelFunc): KernelConfig[] {
  return OPS.map(([kernelName, op]) => cpuKernel(kernelName, binary(op, stock(kernelName))));
}
