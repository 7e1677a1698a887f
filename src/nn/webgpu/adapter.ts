/**
 * What we report of a WebGPU adapter (nnunet doctor, run records, the conv tuner's auto policy), from Dawn's adapter
 * in Node or navigator.gpu's in a page: no Node imports, so the page bundles it.
 */

/** What `nnunet doctor` and run records show about the adapter. */
export interface GpuAdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** SwiftShader or an adapter the browser would call a fallback: runs on the CPU */
  fallback: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number; maxComputeWorkgroupStorageSize: number; maxComputeInvocationsPerWorkgroup: number };
  features: string[];
}

export function adapterFacts(a: GPUAdapter): GpuAdapterFacts {
  const i = a.info;
  const l = a.limits;
  const fallback = (a as { isFallbackAdapter?: boolean }).isFallbackAdapter === true
    || /swiftshader|llvmpipe|lavapipe/i.test(`${i.architecture} ${i.device} ${i.description}`)
    || (i.vendor === 'google' && /swiftshader/i.test(i.architecture));
  return {
    vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, fallback,
    limits: {
      maxBufferSize: l.maxBufferSize, maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
    features: [...a.features].map(String).sort(),
  };
}

/** `nvidia nvidia-h200 (...)`, `google swiftshader (fallback)`. */
export function describeAdapter(f: GpuAdapterFacts): string {
  const name = [f.vendor, f.architecture, f.device].filter(Boolean).join(' ') || f.description || 'unnamed adapter';
  return f.fallback ? `${name} (fallback, runs on the CPU)` : name;
}
