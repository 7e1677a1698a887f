import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { doctorReport, register } from './doctor.js';

describe('nnunet doctor', () => {
  it('formats backend, versions, threads and the faster hint', () => {
    const lines = doctorReport({
      name: 'cpu', tfjsVersion: '4.22.0', reason: 'auto: pure tfjs-cpu always works; skipped onednn: not built',
      fasterHint: 'sudo apt-get install libdnnl-dev && npm run build:addon',
    }, {});
    expect(lines.join('\n')).toMatch(/^backend +cpu$/m);
    expect(lines.join('\n')).toMatch(/^tfjs-node +not installed$/m);
    expect(lines.join('\n')).toMatch(/^faster +sudo apt-get install libdnnl-dev/m);
    const fast = doctorReport({ name: 'onednn', tfjsVersion: '4.22.0', reason: 'auto',
      onednn: { version: '2.6.3', isa: 'avx2', threads: 4 }, kernels: ['Conv3D'] }, { tfjsNode: '4.22.0' });
    expect(fast.join('\n')).toMatch(/^oneDNN +2\.6\.3, ISA avx2, 4 threads/m);
    expect(fast.join('\n')).toMatch(/^faster +nothing to do/m);
  });

  it('names the GPU adapter, its limits and features, and how convolutions pick kernels', () => {
    const lines = doctorReport({
      name: 'webgpu', tfjsVersion: '4.22.0', reason: 'auto', convAlgorithm: 'tune',
      convTuning: { file: '/c/conv-tuning.json', loaded: 12 },
      precision: { precision: 'f16', why: 'a GPU with shader-f16 (NNUNET_AMP=auto; off switches it off)' },
      gpu: { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', fallback: false,
        limits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 1024 },
        features: ['subgroups'] },
    }, {}).join('\n');
    expect(lines).toMatch(/^gpu adapter +nvidia hopper; NVIDIA H200$/m);
    expect(lines).toMatch(/^gpu limits +max buffer 4096 MiB, storage binding 2048 MiB, workgroup storage 32768 B, 1024 invocations$/m);
    expect(lines).toMatch(/^gpu features +shader-f16 no, subgroups yes, chromium-experimental-subgroup-matrix no$/m);
    expect(lines).toMatch(/^gpu convs +our GEMM \(scalar or vec4 register blocks\) or stock tfjs kernels per shape, whichever the device runs fastest/m);
    expect(lines).toMatch(/^gpu conv cache +\/c\/conv-tuning\.json: 12 shapes already timed on this adapter/m);
    expect(lines).toMatch(/^gpu precision +mixed: f16 convolution operands, f32 sums .*dynamic loss scaling \(a GPU with shader-f16/m);
  });

  it('runs as a command on the real backend selection', async () => {
    const program = new Command().exitOverride();
    register(program);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await program.parseAsync(['node', 'nnunet', 'doctor', '--backend', 'cpu']);
    expect(log.mock.calls[0][0]).toMatch(/^backend +cpu$/m);
    log.mockRestore();
  });
});
