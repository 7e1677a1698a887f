import type { Json } from '../types.js';
import { digestJson, type Digest } from './digest.js';

/**
 * Everything an action's output may depend on, kept by name so `status` can say which part changed
 * (Nx's hash `details`). The key is the digest of exactly this record.
 */
export interface KeyParts {
  readonly kind: string;
  readonly version: string;
  /** params with defaults applied and paths resolved */
  readonly params: Json;
  /** need name -> [producer action id, output digest] in producer order */
  readonly inputs: Record<string, Array<[string, Digest]>>;
  /** the fan-out item: only its digest enters the key, not its producer's whole output */
  readonly item?: { readonly id: string; readonly digest: Digest };
  /** external path -> digest */
  readonly external: Record<string, Digest>;
}

export function actionKey(parts: KeyParts): Digest {
  return digestJson(parts);
}
