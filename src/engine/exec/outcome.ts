import type { Digest } from '../hash/digest.js';
import type { KeyParts } from '../hash/action-key.js';
import type { Item, Json, Scalar } from '../types.js';

export type ActionStatus = 'cached' | 'ran' | 'failed' | 'aborted' | 'skipped';

/** What one action became in this run; downstream expansion reads these. */
export interface Outcome {
  readonly id: string;
  readonly node: string;
  readonly kind: string;
  readonly matrix: Record<string, Scalar>;
  readonly item?: Item;
  /** id of the action whose items `item` came from: per-item branches of one source match by item id */
  readonly itemSource?: string;
  status: ActionStatus;
  key: Digest;
  durationMs: number;
  output?: Digest;
  items: Item[];
  itemLabel?: string;
  metrics: Record<string, Json>;
  timings?: Record<string, Json>;
  parts?: KeyParts;
  error?: { code: string; message: string };
  /** why it was executed (not cached), in words */
  why?: string[];
  log: string[];
}

export function usable(o: Outcome): boolean {
  return o.output !== undefined && (o.status === 'cached' || o.status === 'ran');
}
