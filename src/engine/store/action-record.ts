import type { Item, Json } from '../types.js';
import type { Digest } from '../hash/digest.js';
import type { KeyParts } from '../hash/action-key.js';

/**
 * The action cache entry `actions/<key>.json`. It is written last, by rename, after the output tree is in
 * the store: an action without its record does not exist (the role of Nx's `.commit` marker).
 */
export interface ActionRecord {
  readonly key: Digest;
  readonly actionId: string;
  readonly node: string;
  readonly kind: string;
  readonly parts: KeyParts;
  readonly output: Digest;
  readonly items: Item[];
  readonly itemLabel?: string;
  readonly metrics: Record<string, Json>;
  /** wall-clock figures of the execution that produced the output (absent in records from before they existed) */
  readonly timings?: Record<string, Json>;
  readonly durationMs: number;
  readonly createdAt: string;
  /** last log lines of the execution that produced it */
  readonly log: string[];
}
