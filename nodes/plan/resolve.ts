/**
 * Configuration inheritance (spec §3.11): an entry with `inherits_from` is its parent, resolved recursively,
 * updated with its own keys. Cycles and unknown names are errors.
 */
import { NnunetError } from '../../src/engine/errors.js';
import type { ConfigurationPlan, Plans } from './format.js';

export class PlansError extends NnunetError {}

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
  return walk(name) as unknown as ConfigurationPlan;
}
