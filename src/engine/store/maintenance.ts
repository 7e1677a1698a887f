import { copyFile, link, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StoreError } from '../errors.js';
import { hashFile, sha256, type Digest } from '../hash/digest.js';
import { parseTree, type TreeEntry } from '../hash/tree.js';
import { scanRuns } from '../runs/history.js';
import { recordDeadRuns } from '../runs/in-progress.js';
import type { ActionRecord } from './action-record.js';
import type { HitFacts } from './record-pack.js';
import { exists, type LocalStore } from './local-store.js';
import { damagedFiles } from './seal.js';
import { processAlive } from './lock.js';

async function ls(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

async function size(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function objectDigests(store: LocalStore): Promise<Digest[]> {
  const out: Digest[] = [];
  for (const fan of await ls(join(store.root, 'objects'))) for (const rest of await ls(join(store.root, 'objects', fan))) out.push(fan + rest);
  return out;
}

async function actionFiles(store: LocalStore): Promise<string[]> {
  const out: string[] = [];
  for (const fan of await ls(join(store.root, 'actions'))) {
    for (const f of await ls(join(store.root, 'actions', fan))) if (f.endsWith('.json')) out.push(join(store.root, 'actions', fan, f));
  }
  return out;
}

async function readRecord(file: string): Promise<ActionRecord | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ActionRecord;
  } catch {
    return undefined;
  }
}

async function removeArtifact(store: LocalStore, d: Digest): Promise<void> {
  await rm(store.artifactPath(d), { recursive: true, force: true });
  store.seals.set(d, null);
}

export interface VerifyReport {
  objects: number;
  trees: number;
  actions: number;
  /** problems found, one line each */
  problems: string[];
  /** what was removed so the next run recomputes it (empty with dryRun) */
  removed: string[];
}

/**
 * Re-hashes every object and tree and checks every action record's output. Anything corrupt is removed
 * together with the artifacts and action records that depend on it, so the next run recomputes them.
 */
export async function verifyStore(store: LocalStore, opts: { dryRun?: boolean } = {}): Promise<VerifyReport> {
  const problems: string[] = [];
  const badObjects = new Set<Digest>();
  const objects = await objectDigests(store);
  const objectSet = new Set(objects);
  const removed: string[] = [];
  for (const d of objects) {
    const actual = await hashFile(store.objectPath(d), await size(store.objectPath(d))).catch(() => 'unreadable');
    if (actual !== d) {
      badObjects.add(d);
      problems.push(`object ${d} is corrupt (content hashes to ${actual.slice(0, 12)})`);
    }
  }
  const badTrees = new Set<Digest>();
  const trees = (await ls(join(store.root, 'trees'))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  const treeSet = new Set(trees);
  for (const d of trees) {
    const text = await readFile(store.treePath(d), 'utf8').catch(() => '');
    if (sha256(text) !== d) {
      badTrees.add(d);
      problems.push(`tree ${d} is corrupt`);
      continue;
    }
    const tree = parseTree(text);
    const bad = tree.files.filter((f) => badObjects.has(f.digest));
    if (bad.length) {
      badTrees.add(d);
      problems.push(`artifact ${d.slice(0, 12)} holds corrupt file(s): ${bad.map((f) => f.path).join(', ')}`);
      continue;
    }
    // the materialised files: a missing object whose bytes only the artifact still holds, or a file that is
    // its own inode (same content committed twice) and was written to
    const dir = store.artifactPath(d);
    if (!(await exists(dir))) continue;
    const damaged = await damagedFiles(dir, tree);
    if (damaged.length) {
      badTrees.add(d);
      problems.push(`artifact ${d.slice(0, 12)} holds damaged file(s): ${damaged.join(', ')}`);
      continue;
    }
    // listed before a run running meanwhile ingested it: looked up again before it is called missing
    const missing: TreeEntry[] = [];
    for (const f of tree.files) if (!objectSet.has(f.digest) && !(await exists(store.objectPath(f.digest)))) missing.push(f);
    for (const f of missing) {
      problems.push(`object ${f.digest} is missing (artifact ${d.slice(0, 12)} still holds its bytes as ${f.path})`);
      if (!opts.dryRun) {
        await mkdir(dirname(store.objectPath(f.digest)), { recursive: true });
        await link(join(dir, f.path), store.objectPath(f.digest)).catch(() => copyFile(join(dir, f.path), store.objectPath(f.digest)));
        objectSet.add(f.digest);
        removed.push(`restored ${store.objectPath(f.digest)} from artifact ${d.slice(0, 12)}`);
      }
    }
  }
  const badActions: string[] = [];
  const actions = await actionFiles(store);
  // key -> output of every record that stays: what the record packs must agree with
  const outputs = new Map<Digest, Digest>();
  for (const file of actions) {
    const rec = await readRecord(file);
    if (!rec || typeof rec.output !== 'string') {
      badActions.push(file);
      problems.push(`action record ${file} does not parse`);
    // a record committed by a run while this verify ran has a tree newer than the listing: looked up again
    } else if (badTrees.has(rec.output) || (!treeSet.has(rec.output) && !(await exists(store.treePath(rec.output))))) {
      badActions.push(file);
      problems.push(`action ${rec.actionId} (${rec.key.slice(0, 12)}) has a ${badTrees.has(rec.output) ? 'corrupt' : 'missing'} output ${rec.output.slice(0, 12)}`);
    } else {
      outputs.set(rec.key, rec.output);
    }
  }
  const badPacks = await badRecordPacks(store, outputs);
  problems.push(...badPacks.map(([file, why]) => `record pack ${file} ${why}: it is removed and rebuilt by the next run`));
  if (!opts.dryRun) {
    for (const [file] of badPacks) {
      await rm(file, { force: true, recursive: true });
      removed.push(file);
    }
    for (const file of badActions) {
      await rm(file, { force: true, recursive: true });
      removed.push(file);
    }
    for (const d of badTrees) {
      await removeArtifact(store, d);
      await rm(store.treePath(d), { force: true, recursive: true });
      removed.push(store.treePath(d));
    }
    for (const d of badObjects) {
      await rm(store.objectPath(d), { force: true, recursive: true });
      removed.push(store.objectPath(d));
    }
  }
  await store.seals.save();
  return { objects: objects.length, trees: trees.length, actions: actions.length, problems, removed };
}

/**
 * Record packs (state/pack-*.json) that would serve a cache hit no action record backs: one that does not
 * parse, or an entry whose record is gone or names another output. Each with why.
 */
async function badRecordPacks(store: LocalStore, outputs: ReadonlyMap<Digest, Digest>): Promise<Array<[string, string]>> {
  const bad: Array<[string, string]> = [];
  for (const name of (await ls(join(store.root, 'state'))).filter((f) => /^pack-[0-9a-f]+\.json$/.test(f))) {
    const file = join(store.root, 'state', name);
    let entries: Array<[string, Partial<HitFacts> | null]>;
    try {
      entries = Object.entries(JSON.parse(await readFile(file, 'utf8')) as Record<string, Partial<HitFacts> | null>);
    } catch {
      bad.push([file, 'does not parse']);
      continue;
    }
    const wrong = entries.find(([key, facts]) => outputs.get(key) === undefined || outputs.get(key) !== facts?.output);
    if (wrong) bad.push([file, `is stale (its entry for ${wrong[0].slice(0, 12)} does not match the action record)`]);
  }
  return bad;
}

export interface GcReport {
  keptOutputs: number;
  removedActions: number;
  removedTrees: number;
  removedObjects: number;
  bytesFreed: number;
}

function pidDead(name: string): boolean {
  const pid = Number.parseInt(name, 10);
  return !Number.isFinite(pid) || !processAlive(pid);
}

/** Temp folders of processes that died (a killed run's half-written outputs); called at the start of every run. */
export async function removeDeadTemps(store: LocalStore): Promise<number> {
  let n = 0;
  for (const t of await ls(join(store.root, 'tmp'))) {
    if (!pidDead(t.split('-')[0])) continue;
    await rm(join(store.root, 'tmp', t), { recursive: true, force: true });
    n++;
  }
  return n;
}

// `<file>.<pid>.tmp` or `<file>.<pid>.<hex>.tmp`: an atomic write (writeAtomic, run.json) not yet renamed in
const WRITER_TEMP = /\.(\d+)(?:\.[0-9a-f]+)?\.tmp$/;

/** Temp files of atomic writes whose writer died, beside the records and state files they were to become. */
async function deadWriterTemps(store: LocalStore, runsDir: string): Promise<string[]> {
  const dirs = [join(store.root, 'trees'), join(store.root, 'state'), join(store.root, 'last')];
  for (const fan of await ls(join(store.root, 'actions'))) dirs.push(join(store.root, 'actions', fan));
  for (const id of await ls(runsDir)) dirs.push(join(runsDir, id));
  const out: string[] = [];
  for (const dir of dirs) {
    for (const f of await ls(dir)) {
      const pid = WRITER_TEMP.exec(f)?.[1];
      if (pid && pidDead(pid)) out.push(join(dir, f));
    }
  }
  return out;
}

/**
 * Removes every output no kept run (a run.json under `runsDir`) references, the action records and objects
 * only they used, and temp files and folders of dead processes. Outputs committed after the newest run record
 * started are kept, so a run in progress loses nothing; a run killed before writing its record is recorded
 * first, with the actions its journal holds. A run record that does not parse stops gc (it may reference
 * anything), unless `force`.
 */
export async function gcStore(store: LocalStore, runsDir: string, opts: { dryRun?: boolean; force?: boolean } = {}): Promise<GcReport> {
  if (!opts.dryRun) await recordDeadRuns(runsDir, 'store gc');
  const { runs, damaged } = await scanRuns(runsDir);
  if (damaged.length && !opts.force) {
    throw new StoreError('STORE_GC_RUN_DAMAGED', `run record ${damaged.join(', ')} does not parse: gc cannot tell what it references `
      + '(restore or delete it, or use --force to collect as if that run did not exist)', { file: damaged[0] });
  }
  // gc from the wrong folder would see no runs and empty the store: that takes an explicit --force
  if (runs.length === 0 && !opts.force) {
    throw new StoreError('STORE_GC_NO_RUNS', `no run records in ${runsDir}: nothing would be kept (use --force to empty the store)`, { file: runsDir });
  }
  const keep = new Set<Digest>();
  for (const run of runs) for (const n of run.nodes) if (n.outputs) keep.add(n.outputs.digest);
  let bytes = 0;
  const drop = async (path: string, recursive = false): Promise<void> => {
    bytes += await size(path);
    if (!opts.dryRun) await rm(path, { force: true, recursive });
  };
  // Whatever was written after the newest recorded run started may belong to a run still going (its run.json
  // comes at the end; its outputs enter the store before their records): it is kept.
  const newestStart = runs.reduce((m, r) => (r.startedAt > m ? r.startedAt : m), '');
  const protectAfter = newestStart ? Date.parse(newestStart) : Infinity;
  const recent = async (path: string): Promise<boolean> => (await stat(path).then((x) => x.mtimeMs, () => 0)) > protectAfter;
  let removedActions = 0;
  const records: Array<[string, ActionRecord | undefined]> = [];
  for (const file of await actionFiles(store)) {
    const rec = await readRecord(file);
    if (rec && newestStart && rec.createdAt > newestStart) keep.add(rec.output);
    records.push([file, rec]);
  }
  const keepTrees = new Set(keep);
  for (const [file, rec] of records) {
    if (rec && keep.has(rec.output)) {
      Object.values(rec.parts.external).forEach((d) => keepTrees.add(d));
      continue;
    }
    await drop(file);
    removedActions++;
  }
  // a record pack naming a removed record would only be refused by verify: the next run rebuilds it
  if (removedActions && !opts.dryRun) for (const f of await ls(join(store.root, 'state'))) if (f.startsWith('pack-')) await rm(join(store.root, 'state', f), { force: true, recursive: true });
  const live = new Set<Digest>();
  let removedTrees = 0;
  for (const f of (await ls(join(store.root, 'trees'))).filter((x) => x.endsWith('.json'))) {
    const d = f.slice(0, -5);
    const fresh = await recent(store.treePath(d));
    if (fresh) keep.add(d);
    if (keepTrees.has(d) || fresh) {
      if (keep.has(d)) {
        // a kept tree that cannot be read would leave its objects unprotected: stop before removing any
        const tree = await readFile(store.treePath(d), 'utf8').then(parseTree).catch((err: Error) => err);
        if (tree instanceof Error) {
          throw new StoreError('STORE_GC_TREE_DAMAGED', `tree ${store.treePath(d)} of a kept output cannot be read (${tree.message}); run nnunet store verify, then gc`, { file: store.treePath(d) });
        }
        tree.files.forEach((e) => live.add(e.digest));
      }
      continue;
    }
    await drop(store.treePath(d));
    if (!opts.dryRun) await removeArtifact(store, d);
    removedTrees++;
  }
  for (const d of await ls(join(store.root, 'artifacts'))) {
    if (!keep.has(d) && !(await recent(store.artifactPath(d))) && !opts.dryRun) await removeArtifact(store, d);
  }
  let removedObjects = 0;
  for (const d of await objectDigests(store)) {
    if (live.has(d) || (await recent(store.objectPath(d)))) continue;
    await drop(store.objectPath(d));
    removedObjects++;
  }
  for (const t of await ls(join(store.root, 'tmp'))) if (pidDead(t.split('-')[0])) await drop(join(store.root, 'tmp', t), true);
  for (const f of await deadWriterTemps(store, runsDir)) await drop(f);
  await store.seals.save();
  return { keptOutputs: keep.size, removedActions, removedTrees, removedObjects, bytesFreed: bytes };
}
