/**
 * `nnunet doctor [--backend <name>]`: what a run on this machine will compute with and why, plus the one
 * command that would make it faster.
 */
import { createRequire } from 'node:module';
import { Option, type Command } from 'commander';
import { initBackend, ORDER, type BackendInfo, type BackendName, type ConvTuningInfo } from '../../nn/backend.js';
import type { ConvPolicy } from '../../nn/webgpu/conv-tuner.js';
import { describeAdapter, type GpuAdapterFacts } from '../../nn/webgpu/adapter.js';
import type { PrecisionChoice } from '../../nn/webgpu/precision.js';

const require = createRequire(import.meta.url);

function installedVersion(pkg: string): string | undefined {
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export interface DoctorFacts { tfjsNode?: string; tfjsNodeGpu?: string }

const MiB = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;

function gpuRows(g: GpuAdapterFacts): Array<[string, string]> {
  const l = g.limits;
  return [
    ['gpu adapter', `${describeAdapter(g)}; ${g.description}`],
    ['gpu limits', `max buffer ${MiB(l.maxBufferSize)}, storage binding ${MiB(l.maxStorageBufferBindingSize)}, `
      + `workgroup storage ${l.maxComputeWorkgroupStorageSize} B, ${l.maxComputeInvocationsPerWorkgroup} invocations`],
    ['gpu features', ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix']
      .map((f) => `${f} ${g.features.includes(f) ? 'yes' : 'no'}`).join(', ')],
  ];
}

const CONV_POLICY_TEXT: Record<ConvPolicy, string> = {
  tune: 'our GEMM (scalar or vec4 register blocks) or stock tfjs kernels per shape, whichever the device runs fastest'
    + ' (timed at first use; NNUNET_CONV_ALGO=gemm|gemm-vec4|stock fixes one)',
  gemm: 'our WGSL implicit GEMM for every shape (NNUNET_CONV_ALGO=tune times it against its vec4 kernel and stock tfjs kernels per shape)',
  'gemm-vec4': "our WGSL implicit GEMM's vec4 kernel for every shape (NNUNET_CONV_ALGO)",
  stock: 'stock tfjs kernels for every shape (NNUNET_CONV_ALGO)',
};

const tuningText = (t: ConvTuningInfo): string => `${t.file}: ${t.loaded} shapes already timed on this adapter`
  + ` (NNUNET_CONV_TUNING=<file>|off)${t.warning ? `; ${t.warning}` : ''}`;

const precisionText = (p: PrecisionChoice): string => (p.precision === 'f16'
  ? 'mixed: f16 convolution operands, f32 sums and everything else f32, dynamic loss scaling'
  : 'f32 everywhere') + ` (${p.why})`;

/** The report as lines (pure, for tests). */
export function doctorReport(info: BackendInfo, facts: DoctorFacts): string[] {
  const rows: Array<[string, string]> = [
    ['backend', info.name],
    ['why', info.reason],
    ['tfjs', info.tfjsVersion],
    ['oneDNN', info.onednn
      ? `${info.onednn.version}, ISA ${info.onednn.isa}, ${info.onednn.threads} threads (set NNUNET_THREADS to change; fixed threads = bit-identical reruns)`
      : 'not in use'],
    ['native kernels', info.kernels ? `${info.kernels.length}: ${info.kernels.join(' ')}` : 'none'],
    ...(info.gpu ? gpuRows(info.gpu) : []),
    ...(info.convAlgorithm ? [['gpu convs', CONV_POLICY_TEXT[info.convAlgorithm]] as [string, string]] : []),
    ...(info.convTuning ? [['gpu conv cache', tuningText(info.convTuning)] as [string, string]] : []),
    ...(info.precision ? [['gpu precision', precisionText(info.precision)] as [string, string]] : []),
    ['tfjs-node', facts.tfjsNode ?? 'not installed'],
    ['tfjs-node-gpu', facts.tfjsNodeGpu ?? 'not installed'],
    ['faster', info.fasterHint ?? 'nothing to do: this is the fastest backend available here'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('show the compute backend a run will use, why, and how to make it faster')
    .addOption(new Option('--backend <name>', 'check a specific backend').choices(['auto', ...ORDER]))
    .action(async (opts: { backend?: BackendName | 'auto' }) => {
      const info = await initBackend(opts.backend);
      const facts = { tfjsNode: installedVersion('@tensorflow/tfjs-node'), tfjsNodeGpu: installedVersion('@tensorflow/tfjs-node-gpu') };
      console.log(doctorReport(info, facts).join('\n'));
    });
}
