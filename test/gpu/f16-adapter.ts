// The WebGPU adapter of the mixed-precision tests. SwiftShader (the other WebGPU tests' adapter) has no shader-f16;
// Mesa's lavapipe (25.x: Debian 12 needs bookworm-backports, which .ci/run installs) has it and runs on the CPU too.
import { existsSync } from 'node:fs';
import { probeWebGpu, type GpuProbe } from '../../src/nn/webgpu/device.js';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';

/**
 * Points Dawn at lavapipe (unless the environment already names a Vulkan driver) and probes it; `why` says what is
 * missing when there is no adapter with shader-f16. Call before anything starts Dawn in this process.
 */
export async function probeF16Adapter(): Promise<GpuProbe & { f16: boolean }> {
  if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(LAVAPIPE_ICD)) {
    process.env.VK_ICD_FILENAMES = LAVAPIPE_ICD;
  }
  const p = await probeWebGpu();
  const f16 = p.facts?.features.includes('shader-f16') ?? false;
  const why = !p.adapter ? p.why : f16 ? p.why
    : `${p.why} has no shader-f16 (install Mesa >= 24 lavapipe: apt-get install -t bookworm-backports mesa-vulkan-drivers)`;
  return { ...p, f16, why };
}
