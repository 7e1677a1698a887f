import type { Digest } from '../hash/digest.js';
import type { StatCache } from '../hash/stat-cache.js';
import type { Tree } from '../hash/tree.js';
import type { ActionRecord } from './action-record.js';
import type { LastIndex } from './last-index.js';
import type { Release } from './lock.js';
import type { RecordPack } from './record-pack.js';

/**
 * What execution needs from a store: content-addressed artifacts plus the action cache. `LocalStore` is the
 * one implementation today; a shared remote (S3-compatible objects, the same records) would be a second one
 * that fetches artifacts into a local directory on `artifactDir`.
 */
export interface Store {
  readonly root: string;
  readonly statCache: StatCache;
  /** an empty directory on the store's filesystem, for an action to write its output into */
  tempDir(): Promise<string>;
  scratchDir(key: Digest): string;
  /** exclusive per-key lock across processes */
  lock(key: Digest, signal?: AbortSignal, onWait?: () => void): Promise<Release>;
  /** moves a finished output directory into the store; returns its tree digest */
  ingest(dir: string): Promise<Digest>;
  artifactDir(digest: Digest): Promise<string>;
  hasArtifact(digest: Digest): boolean;
  /** present with its committed bytes; with `repair`, a damaged artifact is removed so it is recomputed */
  intact(digest: Digest, repair?: boolean): Promise<boolean>;
  /** the files `intact` found damaged in this artifact (this process), else undefined */
  damage(digest: Digest): readonly string[] | undefined;
  /**
   * After an action ran: the files of artifact `digest` (one of its inputs) whose bytes it changed; the damaged
   * artifact is removed, so it is recomputed. A stat per file while the seal holds.
   */
  changedByAction(digest: Digest): Promise<readonly string[]>;
  readTree(digest: Digest): Promise<Tree | undefined>;
  writeTreeIfMissing(digest: Digest, text: string): Promise<void>;
  readAction(key: Digest): Promise<ActionRecord | undefined>;
  /** a small file written whole or not at all, for readers on any host of a shared store */
  writeAtomic(file: string, text: string): Promise<void>;
  /** written last: an action without its record does not exist */
  commitAction(rec: ActionRecord): Promise<void>;
  lastIndex(pipeline: string): LastIndex;
  recordPack(pipeline: string): RecordPack;
}
