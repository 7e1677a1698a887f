import { describe, expect, it } from 'vitest';
import type { GpuAdapterFacts } from './adapter.js';
import { hoistDirectives, precisionFor } from './precision.js';

const adapter = (fallback: boolean, features: string[]): GpuAdapterFacts => ({
  vendor: 'v', architecture: 'a', device: '', description: '', fallback, features,
  limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 1, maxComputeWorkgroupStorageSize: 1, maxComputeInvocationsPerWorkgroup: 1 },
});

describe('mixed precision policy (NNUNET_AMP)', () => {
  it('auto: f16 on a real GPU with shader-f16 only; on: f16 where shader-f16 exists, else an error; off: f32', () => {
    expect(precisionFor('auto', adapter(false, ['shader-f16']))).toMatchObject({ precision: 'f16' });
    expect(precisionFor('auto', adapter(false, ['subgroups']))).toMatchObject({ precision: 'f32', why: expect.stringMatching(/no shader-f16/) });
    expect(precisionFor('auto', adapter(true, ['shader-f16']))).toMatchObject({ precision: 'f32', why: expect.stringMatching(/CPU fallback/) });
    expect(precisionFor('on', adapter(true, ['shader-f16']))).toMatchObject({ precision: 'f16' });
    expect(precisionFor('on', adapter(false, []))).toEqual({ error: expect.stringMatching(/NNUNET_AMP=on needs the WebGPU feature shader-f16/) });
    expect(precisionFor('off', adapter(false, ['shader-f16']))).toMatchObject({ precision: 'f32' });
  });

  it('hoists enable directives to the top of a module, once each, and leaves other code alone', () => {
    const code = 'struct S { x: f32 }\n  enable f16;\nfn a() {}\nenable f16;\nfn b() {} // enable later';
    expect(hoistDirectives(code)).toBe('enable f16;\nstruct S { x: f32 }\n\nfn a() {}\n\nfn b() {} // enable later');
    expect(hoistDirectives('fn a() {}')).toBe('fn a() {}');
    // a directive is one line: nothing that merely starts with `enable` and runs on to a later `;` is taken
    expect(hoistDirectives('enable\nlet x = 1;')).toBe('enable\nlet x = 1;');
    expect(hoistDirectives('enable f16, subgroups;\nfn a() {}')).toBe('enable f16, subgroups;\n\nfn a() {}');
  });
});
