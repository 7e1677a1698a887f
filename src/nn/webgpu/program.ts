/**
 * What every WGSL program of this folder shares: running it on tfjs-backend-webgpu and taking the result as a
 * tracked tensor, and the flat program shape (one thread per item, `main(index)`), which tfjs spreads over the
 * dispatch's y and z once x passes WebGPU's 65535 workgroups. Inputs go in as float32 views of rank <= 3:
 * tfjs-webgpu's rank-5 helpers do not compile (they index its `vec5` struct), and a reshape costs nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program.js';
import { webgpuBackend } from './queue.js';

/** Values of a program's own `uniforms` block, in its order. */
export type UniformData = Array<{ type: string; data: number[] }>;

/** Runs `program` on `inputs` (in variableNames order) and returns its float32 output. */
export function runProgram(program: WebGPUProgram, inputs: tf.Tensor[], uniforms?: UniformData): tf.Tensor {
  return tf.engine().makeTensorFromTensorInfo(webgpuBackend().runWebGPUProgram(program, inputs, 'float32', uniforms));
}

/** A float as a WGSL f32 literal (an integral JS number would print as an i32 literal). */
export const f32 = (v: number): string => `${v}f`;

const WG = 64;

/**
 * One thread per item, `threads` items (default: one per output element). Subclasses give the WGSL
 * declarations (`prelude`) and the body of `main(index)`, which runs only for index < THREADS.
 */
export abstract class FlatProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  private readonly threads: number;

  constructor(readonly variableNames: string[], outputShape: number[], key: string, threads?: number) {
    this.outputShape = outputShape;
    this.threads = threads ?? outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(this.threads / WG), 1, 1];
    this.shaderKey = `${key}_${outputShape.join('x')}_${this.threads}`;
  }

  protected abstract prelude(): string;
  protected abstract body(): string;

  getUserCode(): string {
    return `
const THREADS = ${this.threads};
${this.prelude()}
fn main(index: i32) {
  // tfjs binds its uniform block after the inputs: a static use keeps it in the pipeline layout
  _ = uniforms.NAN;
  if (index >= THREADS) { return; }
  ${this.body()}
}`;
  }
}
