/**
 * Reading one configuration the way nnU-Net's PlansManager / ConfigurationManager do (spec §3.11):
 * - inheritance: an entry with `inherits_from` is its parent, resolved recursively, updated with its own keys;
 *   cycles and unknown names are errors;
 * - old layout: plans written before nnU-Net's `architecture` block describe the network with flat keys
 *   (UNet_class_name, pool_op_kernel_sizes, ...); v2.8.1 still reads them by rebuilding the block, and so do we,
 *   so plans and models from older installs keep working.
 */
import { NnunetError } from '../../src/engine/errors.js';
import type { Architecture, ConfigurationPlan, Plans } from './format.js';
import { architectureBlock } from './steps/configuration.js';

export class PlansError extends NnunetError {}

/** The flat keys an old configuration holds instead of `architecture`; nnU-Net drops them all. */
const FLAT_KEYS = ['UNet_class_name', 'UNet_base_num_features', 'n_conv_per_stage_encoder', 'n_conv_per_stage_decoder',
  'num_pool_per_axis', 'pool_op_kernel_sizes', 'conv_kernel_sizes', 'unet_max_num_features'];
/** What the rebuild reads (num_pool_per_axis is implied by the strides). */
const NEEDED = [...FLAT_KEYS.filter((k) => k !== 'num_pool_per_axis'), 'patch_size'];

interface FlatConfiguration {
  UNet_class_name: string;
  UNet_base_num_features: number;
  n_conv_per_stage_encoder: number[];
  n_conv_per_stage_decoder: number[];
  pool_op_kernel_sizes: number[][];
  conv_kernel_sizes: number[][];
  unet_max_num_features: number;
  patch_size: number[];
}

// nnU-Net maps the residual encoder to its residual_unet module here (its planners write ...unet.ResidualEncoderUNet)
const NETWORK_CLASS: Readonly<Record<string, string>> = {
  PlainConvUNet: 'dynamic_network_architectures.architectures.unet.PlainConvUNet',
  ResidualEncoderUNet: 'dynamic_network_architectures.architectures.residual_unet.ResidualEncoderUNet',
};

function architectureFromFlatKeys(c: FlatConfiguration, name: string): Architecture {
  const networkClassName = NETWORK_CLASS[c.UNet_class_name];
  if (!networkClassName) {
    throw new PlansError('PLANS_UNKNOWN_ARCHITECTURE', `configuration '${name}': old-format plans name UNet_class_name `
      + `'${c.UNet_class_name}'; only PlainConvUNet and ResidualEncoderUNet can be read`,
    { path: `/configurations/${name}/UNet_class_name` });
  }
  const nStages = c.n_conv_per_stage_encoder.length;
  return architectureBlock({
    networkClassName, dim: c.patch_size.length,
    kernelSizes: c.conv_kernel_sizes.map((k) => [...k]), strides: c.pool_op_kernel_sizes.map((st) => [...st]),
    features: Array.from({ length: nStages }, (_, i) => Math.min(c.UNet_base_num_features * 2 ** i, c.unet_max_num_features)),
    depthKey: c.UNet_class_name === 'PlainConvUNet' ? 'n_conv_per_stage' : 'n_blocks_per_stage',
    encoderDepth: [...c.n_conv_per_stage_encoder], decoderConvs: [...c.n_conv_per_stage_decoder],
  });
}

/** An old-format configuration in today's layout: the flat keys replaced by `architecture` (appended last). */
function withArchitecture(c: Record<string, unknown>, name: string): Record<string, unknown> {
  if (c.architecture !== undefined || c.UNet_class_name === undefined) return c;
  const missing = NEEDED.filter((k) => c[k] === undefined);
  if (missing.length > 0) {
    throw new PlansError('PLANS_INCOMPLETE_ARCHITECTURE', `configuration '${name}': old-format plans lack ${missing.join(', ')}`,
      { path: `/configurations/${name}` });
  }
  const rest = Object.fromEntries(Object.entries(c).filter(([k]) => !FLAT_KEYS.includes(k)));
  return { ...rest, architecture: architectureFromFlatKeys(c as unknown as FlatConfiguration, name) };
}

export function resolveConfiguration(plans: Pick<Plans, 'configurations'>, name: string): ConfigurationPlan {
  const seen: string[] = [];
  const walk = (n: string): Record<string, unknown> => {
    if (seen.includes(n)) {
      throw new PlansError('PLANS_INHERITANCE_CYCLE', `configuration inheritance cycle: ${[...seen, n].join(' -> ')}`,
        { path: `/configurations/${n}/inherits_from` });
    }
    seen.push(n);
    const entry = plans.configurations[n];
    if (!entry) {
      throw new PlansError('PLANS_UNKNOWN_CONFIGURATION',
        `unknown configuration '${n}' (plans have: ${Object.keys(plans.configurations).join(', ')})`,
        { path: `/configurations/${n}` });
    }
    if (entry.inherits_from === undefined) return { ...entry };
    return { ...walk(entry.inherits_from), ...entry };
  };
  return withArchitecture(walk(name), name) as unknown as ConfigurationPlan;
}
