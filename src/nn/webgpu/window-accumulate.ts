/**
 * Sliding-window accumulation on the GPU: the Gaussian-weighted tile logits and the weight map are summed in one
 * float32 buffer [K + 1, padded voxels] (channel K holds the weights) that never leaves the device; the case's
 * divided and cropped logits are the only read-back. One scatter-add dispatch per network sample: within it every
 * thread owns one voxel of one tile (a tile maps onto distinct voxels), and dispatches run in order, so tiles of
 * one batch that overlap never race. Each sample adds logits·g/variants, so a tile's variants may span batches.
 * The output buffer is the accumulator itself (runWebGPUProgram's `output`), read and written in place.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program.js';
import type { WindowAccumulator, WindowGeometry, WindowJob } from '../predict/accumulate.js';
import { runProgram, type UniformData } from './program.js';
import { submitRecorded, webgpuBackend } from './queue.js';

const WG = 64;
const GEOMETRY = 'vol : vec3<i32>, tile : vec3<i32>, classes : i32,';

/** acc[c, start + t] += L[sample, flip(t), c] · G[t] · scale for every tile voxel t; acc[K, start + t] += G[t] once per tile. */
class ScatterProgram implements WebGPUProgram {
  variableNames = ['L', 'G'];
  outputShape: number[];
  shaderKey = 'nnWindowScatter';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = `${GEOMETRY} start : vec3<i32>, flips : vec3<i32>, sample : i32, addWeight : i32, scale : f32,`;

  constructor(accShape: number[], tileVoxels: number) {
    this.outputShape = accShape;
    this.dispatch = [Math.ceil(tileVoxels / WG), 1, 1];
  }

  getUserCode(): string {
    return `
fn main(index: i32) {
  let p = uniforms.tile;
  if (index >= p.x * p.y * p.z) { return; }
  let k = index % p.z;
  let j = (index / p.z) % p.y;
  let i = index / (p.z * p.y);
  // the network saw the tile flipped; a flip is its own inverse
  let fi = select(i, p.x - 1 - i, uniforms.flips.x != 0);
  let fj = select(j, p.y - 1 - j, uniforms.flips.y != 0);
  let fk = select(k, p.z - 1 - k, uniforms.flips.z != 0);
  let src = (uniforms.sample * p.x * p.y * p.z + (fi * p.y + fj) * p.z + fk) * uniforms.classes;
  let v = uniforms.vol;
  let total = v.x * v.y * v.z;
  let s = uniforms.start;
  let dst = ((s.x + i) * v.y + s.y + j) * v.z + s.z + k;
  let g = G[index];
  for (var c = 0; c < uniforms.classes; c = c + 1) {
    result[c * total + dst] = result[c * total + dst] + f32(L[src + c]) * g * uniforms.scale;
  }
  if (uniforms.addWeight != 0) {
    result[uniforms.classes * total + dst] = result[uniforms.classes * total + dst] + g;
  }
}`;
  }
}

/** [K, case voxels]: the accumulated logits over the weights, cropped from the padded volume to the case. */
class FinishProgram implements WebGPUProgram {
  variableNames = ['A'];
  outputShape: number[];
  shaderKey = 'nnWindowFinish';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  size = true;
  uniforms = `${GEOMETRY} crop : vec3<i32>, before : vec3<i32>,`;

  constructor(classes: number, caseVoxels: number) {
    this.outputShape = [classes, caseVoxels];
    this.dispatch = [Math.ceil((classes * caseVoxels) / WG), 1, 1];
  }

  getUserCode(): string {
    return `
fn main(index: i32) {
  if (index >= uniforms.size) { return; }
  let n = uniforms.crop;
  let r = index % (n.x * n.y * n.z);
  let c = index / (n.x * n.y * n.z);
  let l = r % n.z;
  let j = (r / n.z) % n.y;
  let i = r / (n.z * n.y);
  let v = uniforms.vol;
  let total = v.x * v.y * v.z;
  let b = uniforms.before;
  let at = ((i + b.x) * v.y + j + b.y) * v.z + l + b.z;
  setOutputAtIndex(index, A[c * total + at] / A[uniforms.classes * total + at]);
}`;
  }
}

const int3 = (v: readonly number[]): UniformData[number] => ({ type: 'int32', data: [...v] });

export class DeviceWindowAccumulator implements WindowAccumulator {
  private readonly acc: tf.Tensor;
  private readonly gaussian: tf.Tensor;
  private readonly geometry: UniformData;
  /** the GPU work of the batch before this one: awaited before a batch returns, so the host stays one batch ahead */
  private previous: Promise<void> = Promise.resolve();

  /** Whether the accumulator fits one storage binding of this device (else the host path predicts the case). */
  static fits(g: WindowGeometry): boolean {
    const bytes = 4 * (g.classes + 1) * g.volume[0] * g.volume[1] * g.volume[2];
    return bytes <= webgpuBackend().device.limits.maxStorageBufferBindingSize;
  }

  constructor(private readonly g: WindowGeometry) {
    const total = g.volume[0] * g.volume[1] * g.volume[2];
    this.acc = tf.fill([g.classes + 1, total], 0);
    this.gaussian = tf.tensor1d(g.gaussian);
    this.geometry = [int3(g.volume), int3(g.tile), { type: 'int32', data: [g.classes] }];
  }

  async add(out: tf.Tensor, jobs: readonly WindowJob[]): Promise<void> {
    const backend = webgpuBackend();
    // rank 2 keeps tfjs's generated accessors away from its rank-5 code paths; a reshape shares the buffer
    const flat = tf.reshape(out, [-1, this.g.classes]);
    try {
      // a program object per run: tfjs rewrites its shaderKey and dispatch in place
      jobs.forEach((job, sample) => backend.runWebGPUProgram(new ScatterProgram(this.acc.shape, this.g.gaussian.length), [flat, this.gaussian], 'float32', [
        ...this.geometry, int3(job.start), int3(job.flips.map(Number)), { type: 'int32', data: [sample] },
        { type: 'int32', data: [job.variant === 0 ? 1 : 0] }, { type: 'float32', data: [1 / this.g.variants] },
      ], this.acc));
    } finally {
      flat.dispose();
    }
    submitRecorded();
    const before = this.previous;
    this.previous = backend.queue.onSubmittedWorkDone();
    await before;
  }

  async result(): Promise<Float32Array> {
    const caseVoxels = this.g.shape[0] * this.g.shape[1] * this.g.shape[2];
    const logits = runProgram(new FinishProgram(this.g.classes, caseVoxels), [this.acc], [...this.geometry, int3(this.g.shape), int3(this.g.before)]);
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  }

  dispose(): void {
    tf.dispose([this.acc, this.gaussian]);
  }
}
