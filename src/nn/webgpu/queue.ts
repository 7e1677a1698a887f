/**
 * tfjs-webgpu records dispatches into one command encoder and submits every 15 dispatches or when something is
 * read back; a tensor made from host values is copied to the GPU only when a kernel first reads it. Work that
 * should overlap the host (the rest of a training step while the next batch is prepared, a sliding-window batch
 * while the next is gathered) is sent now instead. Type-only imports: the browser page bundles this module too.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export const webgpuBackend = (): WebGPUBackend => tf.backend() as WebGPUBackend;

/** Submits what tfjs has recorded and not yet submitted. */
export function submitRecorded(): void {
  const b = webgpuBackend();
  b.ensureCommandEncoderReady();
  b.endComputePassEncoder();
  b.submitQueue();
}

/** Starts the host-to-GPU copy of tensors made from host values, and submits it with what came before. */
export function uploadNow(tensors: readonly tf.Tensor[]): void {
  const b = webgpuBackend();
  for (const t of tensors) b.uploadToGPU(t.dataId);
  submitRecorded();
}
