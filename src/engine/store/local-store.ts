import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { withPath } from '../fs-errors.js';
import { sha256, type Digest } from '../hash/digest.js';
import { StatCache } from '../hash/stat-cache.js';
import { listFiles, parseTree, treeText, type Tree, type TreeEntry } from '../hash/tree.js';
import { hashFile } from '../hash/digest.js';
import type { ActionRecord } from './action-record.js';
import { LastIndex } from './last-index.js';
import { RecordPack } from './record-pack.js';
import type { Store } from './store.js';
import { acquireLock, type Release } from './lock.js';
import { damagedFiles, matchesSeal, SealIndex, takeSeal } from './seal.js';
import { updateLocked, type UpdateFile } from './shared-state.js';

/**
 * The local content-addressed store (`.nnunet/`):
 *   objects/ab/cdef...  file contents by sha256, read-only (dvc-data's two-character fan-out)
 *   trees/<digest>.json  Merkle manifests of output trees
 *   artifacts/<digest>/  materialised output trees, files hard-linked to objects, read-only
 *   actions/ab/<key>.json action cache records, written last
 *   last/<scope>.json    latest key per action id; locks/, tmp/, scratch/, state/ for the rest
 */
// Output files below this size are hashed with one synchronous read (see ingest).
const SYNC_HASH_BYTES = 4 * 1024 * 1024;

export class LocalStore implements Store {
  readonly statCache: StatCache;

  constructor(readonly root: string) {
    this.statCache = new StatCache(join(root, 'state', 'stat-cache.json'), this.updateShared);
    this.seals = new SealIndex(join(root, 'state', 'seals.json'), this.updateShared);
  }

  objectPath(d: Digest): string {
    return join(this.root, 'objects', d.slice(0, 2), d.slice(2));
  }
  treePath(d: Digest): string {
    return join(this.root, 'trees', `${d}.json`);
  }
  artifactPath(d: Digest): string {
    return join(this.root, 'artifacts', d);
  }
  actionPath(key: Digest): string {
    return join(this.root, 'actions', key.slice(0, 2), `${key}.json`);
  }
  /** The per-pipeline pack of cache-hit facts (see RecordPack). */
  recordPack(pipeline: string): RecordPack {
    return new RecordPack(join(this.root, 'state', `pack-${sha256(pipeline)}.json`), this.updateShared);
  }

  /** The per-pipeline index of each action id's latest key (an action id is only unique within a pipeline). */
  lastIndex(pipeline: string): LastIndex {
    return new LastIndex(join(this.root, 'last', `${sha256(pipeline)}.json`), this.updateShared);
  }

  /** Saves a state file that other processes on this store update too (see updateLocked). */
  private readonly updateShared: UpdateFile = (file, merge) => {
    this.ensureDir(join(file, '..'));
    return updateLocked(file, merge, (f, t) => this.writeAtomic(f, t));
  };

  scratchDir(key: Digest): string {
    return join(this.root, 'scratch', key);
  }

  /** A fresh empty directory inside the store (same filesystem, so commits are renames). */
  async tempDir(): Promise<string> {
    this.ensureDir(join(this.root, 'tmp'));
    const dir = join(this.root, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir);
    return dir;
  }

  /** Throws the file-system error now when the store cannot be written, rather than from every action later. */
  probeWritable(): void {
    this.ensureDir(join(this.root, 'tmp'));
    const probe = join(this.root, 'tmp', `${process.pid}-probe`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  }

  lock(key: Digest, signal?: AbortSignal, onWait?: () => void): Promise<Release> {
    this.ensureDir(join(this.root, 'locks'));
    return acquireLock(join(this.root, 'locks', `${key}.lock`), signal, onWait);
  }

  private readonly made = new Set<string>();

  /** mkdir -p, remembered: fan-out folders are asked for once per file otherwise. */
  ensureDir(dir: string): void {
    if (this.made.has(dir)) return;
    mkdirSync(dir, { recursive: true });
    this.made.add(dir);
  }

  /**
   * Moves a finished output directory into the store and returns its tree digest. Each file is hashed,
   * hard-linked into objects/ and made read-only; the directory itself becomes artifacts/<digest>.
   * Metadata calls are synchronous: each is microseconds, while a promise round trip through the busy
   * thread pool costs far more and an action makes dozens of them.
   */
  async ingest(dir: string): Promise<Digest> {
    const files = await listFiles(dir);
    const entries: TreeEntry[] = [];
    for (const f of files) {
      const src = join(dir, f.path);
      // A symlink would make the store (and chmod) reach outside it: keep the bytes, not the link.
      if (lstatSync(src).isSymbolicLink()) {
        const target = realpathSync(src);
        unlinkSync(src);
        copyFileSync(target, src);
      }
      const digest = f.size < SYNC_HASH_BYTES ? sha256(readFileSync(src)) : await hashFile(src, f.size);
      // on a shared store another host reads these bytes next: they reach the server before the record does
      syncPath(src);
      entries.push({ path: f.path, size: f.size, digest });
      chmodSync(src, 0o444);
      const obj = this.objectPath(digest);
      this.ensureDir(join(obj, '..'));
      try {
        linkSync(src, obj);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const text = treeText(entries);
    const digest = sha256(text);
    await this.writeAtomic(this.treePath(digest), text);
    const target = this.artifactPath(digest);
    this.ensureDir(join(this.root, 'artifacts'));
    try {
      renameSync(dir, target);
      syncPath(join(target, '..'));
      await this.seal(digest, { files: entries });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      await rm(dir, { recursive: true, force: true });
    }
    return digest;
  }

  async writeTreeIfMissing(d: Digest, text: string): Promise<void> {
    if (!existsSync(this.treePath(d))) await this.writeAtomic(this.treePath(d), text);
  }

  async readTree(d: Digest): Promise<Tree | undefined> {
    try {
      return parseTree(await readFile(this.treePath(d), 'utf8'));
    } catch {
      return undefined;
    }
  }

  /** Readable directory of a committed artifact, rebuilt from objects when the materialised copy is gone. */
  async artifactDir(d: Digest): Promise<string> {
    const dir = this.artifactPath(d);
    if (this.hasArtifact(d)) return dir;
    const tree = await this.readTree(d);
    if (!tree) throw new StoreError('STORE_ARTIFACT_MISSING', `artifact ${d} is not in the store ${this.root}`);
    const tmp = await this.tempDir();
    for (const f of tree.files) {
      const obj = this.objectPath(f.digest);
      if (!(await exists(obj))) {
        await rm(tmp, { recursive: true, force: true });
        throw new StoreError('STORE_OBJECT_MISSING', `object ${f.digest} of artifact ${d} (${f.path}) is missing`);
      }
      if ((await hashFile(obj, f.size).catch(() => undefined)) !== f.digest) {
        await rm(tmp, { recursive: true, force: true });
        await rm(obj, { force: true });
        throw new StoreError('STORE_OBJECT_DAMAGED', `object ${f.digest} of artifact ${d} (${f.path}) was damaged and is removed: rerun to recompute it`);
      }
      const dst = join(tmp, f.path);
      await mkdir(join(dst, '..'), { recursive: true });
      await link(obj, dst).catch(() => copyFile(obj, dst));
    }
    try {
      await rename(tmp, dir);
      await this.seal(d, tree);
    } catch {
      await rm(tmp, { recursive: true, force: true });
    }
    return dir;
  }

  /** Re-hash every hit instead of comparing stat facts (`nnunet run --verify`). */
  verifyHits = false;
  // artifacts found intact by this process: checked once per run, however many actions read them
  private readonly intactSeen = new Set<Digest>();

  /** stat facts of committed artifacts (see seal.ts); saved with the stat cache at the end of a run */
  readonly seals: SealIndex;

  private async seal(d: Digest, tree: Tree): Promise<void> {
    this.seals.set(d, takeSeal(this.artifactPath(d), tree));
  }

  /**
   * True when the artifact is present with the bytes it was committed with. The stat facts decide when they
   * match; otherwise (or under verifyHits) the files are re-hashed. Damaged bytes are never served: with
   * `repair` the artifact (and an object sharing a damaged inode) is removed so the action recomputes it.
   */
  async intact(d: Digest, repair = false): Promise<boolean> {
    if (this.intactSeen.has(d)) return true;
    const dir = this.artifactPath(d);
    if (!this.verifyHits) {
      const seal = this.seals.get(d);
      if (seal && matchesSeal(dir, seal)) {
        this.intactSeen.add(d);
        return true;
      }
    }
    if (!existsSync(dir)) return false;
    const tree = await this.readTree(d);
    if (!tree) return false;
    const bad = await damagedFiles(dir, tree);
    if (bad.length === 0) {
      // moved inode facts (a link added or removed by gc or verify) with intact bytes: seal again
      await this.seal(d, tree).catch(() => undefined);
      this.intactSeen.add(d);
      return true;
    }
    this.damaged.set(d, bad);
    if (repair) await this.quarantine(d, tree, bad);
    return false;
  }

  async changedByAction(d: Digest): Promise<readonly string[]> {
    const seal = this.seals.get(d);
    if (seal && matchesSeal(this.artifactPath(d), seal)) return [];
    // a link made from it (ctime) re-hashes and seals again; changed bytes are quarantined
    this.intactSeen.delete(d);
    return (await this.intact(d, true)) ? [] : this.damage(d) ?? ['(the whole output)'];
  }

  // artifacts found damaged by this process, and in which files: why an action is stale
  private readonly damaged = new Map<Digest, string[]>();

  damage(d: Digest): readonly string[] | undefined {
    return this.damaged.get(d);
  }

  private async quarantine(d: Digest, tree: Tree, bad: string[]): Promise<void> {
    const dir = this.artifactPath(d);
    for (const f of tree.files.filter((x) => bad.includes(x.path))) {
      const obj = this.objectPath(f.digest);
      const shared = await Promise.all([stat(obj), stat(join(dir, f.path))]).then(([a, b]) => a.ino === b.ino, () => false);
      if (shared) await rm(obj, { force: true });
    }
    await rm(dir, { recursive: true, force: true });
    this.seals.set(d, null);
    this.present.delete(d);
  }

  // Artifacts are immutable and only gc/verify remove them (never during a run): once seen, known present.
  private readonly present = new Set<Digest>();

  hasArtifact(d: Digest): boolean {
    if (this.present.has(d)) return true;
    const ok = existsSync(this.artifactPath(d));
    if (ok) this.present.add(d);
    return ok;
  }

  /**
   * The cached record of a key, or undefined; a record that does not parse is never trusted, and left alone:
   * reads never change records (the action's next commit replaces it, `store verify` removes it).
   */
  async readAction(key: Digest): Promise<ActionRecord | undefined> {
    const file = this.actionPath(key);
    let text: string;
    try {
      // Synchronous on purpose: a null rerun does thousands of these, and small sync reads cost a fraction
      // of the promise API's open/fstat/read/close round trips through the thread pool.
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const rec = JSON.parse(text) as ActionRecord;
      if (rec.key === key && typeof rec.output === 'string') return rec;
    } catch {
      // fall through: corrupt record
    }
    return undefined;
  }

  async commitAction(rec: ActionRecord): Promise<void> {
    const file = this.actionPath(rec.key);
    await this.writeAtomic(file, JSON.stringify(rec));
    // the rename itself must be durable before anyone (another host's driver) is told the action is done
    syncPath(join(file, '..'));
  }

  /**
   * Small metadata files: written beside their place (same filesystem, so also on NFS the rename is atomic),
   * flushed, and renamed in, so readers on any host never see half a file.
   */
  async writeAtomic(file: string, text: string): Promise<void> {
    this.ensureDir(join(file, '..'));
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    } catch (err) {
      // a full disk must not leave half a file behind
      rmSync(tmp, { force: true });
      throw withPath(err, file);
    }
  }
}

/** fsync of a file or directory (a directory's fsync makes the names renamed into it durable). */
function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
