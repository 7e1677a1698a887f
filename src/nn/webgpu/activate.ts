/**
 * Starts tfjs's `webgpu` backend on a device of ours and installs the WGSL NetOps over it: the one start-up path of
 * both Node (src/nn/backend.ts, with Dawn's adapter) and the browser page (src/web/app/backend.ts, with
 * navigator.gpu's), so the page runs the kernels Node runs. Its own module, free of Node imports, because the page
 * bundles it: Dawn, its toggles and the SwiftShader ICD lookup stay in device.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useNetOps } from '../ops/index.js';
import { setConvPolicy, type ConvPolicy } from './conv-tuner.js';
import { recordGpuError } from './errors.js';
import { webgpuNetOps } from './net-ops.js';
import { hoistDirectives, setConvPrecision, type ConvPrecision } from './precision.js';

/** Features our kernels can use when present; the device asks for each the adapter offers. */
const WANTED = ['shader-f16', 'subgroups', 'timestamp-query', 'chromium-experimental-subgroup-matrix'];

/**
 * Registers and selects tfjs's `webgpu` backend on this adapter's device (our features and limits, and the
 * uncapturederror handler that lets read-backs fail on a validation error), then installs webgpuNetOps with the
 * convolutions' kernel policy (conv-tuner.ts) and precision (precision.ts; f16 needs the adapter's `shader-f16`).
 */
export async function activateWebGpu(adapter: GPUAdapter, convs: ConvPolicy, precision: ConvPrecision = 'f32'): Promise<GPUDevice> {
  if (precision === 'f16' && !adapter.features.has('shader-f16')) throw new Error('f16 convolutions need the WebGPU feature shader-f16');
  const features = WANTED.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: features,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  const compile = device.createShaderModule.bind(device);
  device.createShaderModule = (d) => compile({ ...d, code: hoistDirectives(d.code) });
  device.addEventListener('uncapturederror', (e) => recordGpuError((e as GPUUncapturedErrorEvent).error.message));
  // imported here, not at the top: in Node tfjs-backend-webgpu must load after Dawn has set navigator.gpu
  const mod = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new mod.WebGPUBackend(device, adapter.info), 3);
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend on the device');
  useNetOps(webgpuNetOps);
  setConvPolicy(convs);
  setConvPrecision(precision);
  return device;
}
