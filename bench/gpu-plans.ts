/** The network plans the GPU benchmarks measure (bench/gpu.ts, bench/gpu-conv.ts). */
import { hippo3d, type BenchConfig, type Net } from './compute.js';

const k3 = [3, 3, 3];
const brats: Net = {
  dim: 3, features: [32, 64, 128, 256, 320, 320], kernels: Array.from({ length: 6 }, () => k3),
  strides: [[1, 1, 1], ...Array.from({ length: 5 }, () => [2, 2, 2])], encoderDepth: [2, 2, 2, 2, 2, 2],
  decoderConvs: [2, 2, 2, 2, 2], classes: 4, inputChannels: 4,
};

export type Plan = Omit<BenchConfig, 'mode' | 'steps' | 'warmup'>;

/** Hippocampus 3d_fullres and a BraTS-sized plan; tiny: small patches and features (a SwiftShader check). */
export function plans(tiny: boolean): Record<string, Plan> {
  return tiny
    ? {
      hippocampus: { name: 'hippocampus (tiny)', ...hippo3d, features: [4, 8, 8, 8], batch: 1, patch: [8, 16, 8] },
      brats: { name: 'brats (tiny)', ...brats, features: [4, 8, 8, 8, 8, 8], batch: 1, patch: [32, 32, 32] },
    }
    : {
      hippocampus: { name: 'Hippocampus 3d_fullres b9 40x56x40', ...hippo3d, batch: 9, patch: [40, 56, 40] },
      brats: { name: 'BraTS-sized b2 4ch 128^3', ...brats, batch: 2, patch: [128, 128, 128] },
    };
}
