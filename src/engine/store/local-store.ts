import { randomBytes } from 'node:crypto';
import { chmod, copyFile, link, lstat, mkdir, readFile, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from '../errors.js';
import { sha256, type Digest } from '../hash/digest.js';
import { StatCache } from '../hash/stat-cache.js';
import { listFiles, parseTree, treeText, type Tree, type TreeEntry } from '../hash/tree.js';
import { hashFile } from '../hash/digest.js';
import type { ActionRecord } from './action-record.js';
import { LastIndex } from './last-index.js';
import { acquireLock, type Release } from './lock.js';

/**
 * The local content-addressed store (`.nnunet/`):
 *   objects/ab/cdef...  file contents by sha256, read-only (dvc-data's two-character fan-out)
 *   trees/<digest>.json  Merkle manifests of output trees
 *   artifacts/<digest>/  materialised output trees, files hard-linked to objects, read-only
 *   actions/ab/<key>.json action cache records, written last
 *   last/<scope>.json    latest key per action id; locks/, tmp/, scratch/, state/ for the rest
 */
export class LocalStore {
  readonly statCache: StatCache;

  constructor(readonly root: string) {
    this.statCache = new StatCache(join(root, 'state', 'stat-cache.json'));
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
  /** The per-pipeline index of each action id's latest key (an action id is only unique within a pipeline). */
  lastIndex(pipeline: string): LastIndex {
    return new LastIndex(join(this.root, 'last', `${sha256(pipeline)}.json`), (f, t) => this.writeAtomic(f, t));
  }
  scratchDir(key: Digest): string {
    return join(this.root, 'scratch', key);
  }

  /** A fresh empty directory inside the store (same filesystem, so commits are renames). */
  async tempDir(): Promise<string> {
    const dir = join(this.root, 'tmp', `${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  lock(key: Digest, signal?: AbortSignal, onWait?: () => void): Promise<Release> {
    return mkdir(join(this.root, 'locks'), { recursive: true }).then(() =>
      acquireLock(join(this.root, 'locks', `${key}.lock`), signal, onWait));
  }

  /**
   * Moves a finished output directory into the store and returns its tree digest. Each file is hashed,
   * hard-linked into objects/ and made read-only; the directory itself becomes artifacts/<digest>.
   */
  async ingest(dir: string): Promise<Digest> {
    const files = await listFiles(dir);
    const entries: TreeEntry[] = [];
    for (const f of files) {
      const src = join(dir, f.path);
      // A symlink would make the store (and chmod) reach outside it: keep the bytes, not the link.
      if ((await lstat(src)).isSymbolicLink()) {
        const target = await realpath(src);
        await unlink(src);
        await copyFile(target, src);
      }
      const digest = await hashFile(src, f.size);
      entries.push({ path: f.path, size: f.size, digest });
      await chmod(src, 0o444);
      const obj = this.objectPath(digest);
      await mkdir(join(obj, '..'), { recursive: true });
      await link(src, obj).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    const text = treeText(entries);
    const digest = sha256(text);
    await this.writeAtomic(this.treePath(digest), text);
    const target = this.artifactPath(digest);
    await mkdir(join(this.root, 'artifacts'), { recursive: true });
    try {
      await rename(dir, target);
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
    if (existsSync(dir)) return dir;
    const tree = await this.readTree(d);
    if (!tree) throw new StoreError('STORE_ARTIFACT_MISSING', `artifact ${d} is not in the store ${this.root}`);
    const tmp = await this.tempDir();
    for (const f of tree.files) {
      const obj = this.objectPath(f.digest);
      if (!(await exists(obj))) {
        await rm(tmp, { recursive: true, force: true });
        throw new StoreError('STORE_OBJECT_MISSING', `object ${f.digest} of artifact ${d} (${f.path}) is missing`);
      }
      const dst = join(tmp, f.path);
      await mkdir(join(dst, '..'), { recursive: true });
      await link(obj, dst).catch(() => copyFile(obj, dst));
    }
    await rename(tmp, dir).catch(async () => rm(tmp, { recursive: true, force: true }));
    return dir;
  }

  hasArtifact(d: Digest): boolean {
    return existsSync(this.artifactPath(d));
  }

  /** The cached record of a key, or undefined; a record that does not parse is removed, never trusted. */
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
    await rm(file, { force: true });
    return undefined;
  }

  async commitAction(rec: ActionRecord): Promise<void> {
    await this.writeAtomic(this.actionPath(rec.key), JSON.stringify(rec));
  }

  async writeAtomic(file: string, text: string): Promise<void> {
    await mkdir(join(file, '..'), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
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
