import { mkdtemp, readdir, rm, writeFile, mkdir, readFile } from 'node:fs/promises';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../hash/digest.js';
import { LocalStore } from './local-store.js';

let root: string;
let store: LocalStore;
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'nnunet-store-')); store = new LocalStore(join(root, 's')); });
afterEach(() => rm(root, { recursive: true, force: true }));

async function output(files: Record<string, string>): Promise<string> {
  const dir = await store.tempDir();
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), text);
  }
  return dir;
}

describe('LocalStore', () => {
  it('ingests a tree by content: same bytes, same digest, one object per content', async () => {
    const d1 = await store.ingest(await output({ 'a.txt': 'x', 'sub/b.txt': 'x' }));
    const d2 = await store.ingest(await output({ 'sub/b.txt': 'x', 'a.txt': 'x' }));
    expect(d2).toBe(d1);
    expect((await store.readTree(d1))!.files.map((f) => f.path)).toEqual(['a.txt', 'sub/b.txt']);
    expect(await readFile(store.objectPath(sha256('x')), 'utf8')).toBe('x');
    expect(await readdir(join(root, 's', 'tmp'))).toEqual([]);
  });

  it('rebuilds a missing materialised artifact from its objects', async () => {
    const d = await store.ingest(await output({ 'a.txt': 'hello' }));
    await rm(store.artifactPath(d), { recursive: true, force: true });
    expect(await readFile(join(await store.artifactDir(d), 'a.txt'), 'utf8')).toBe('hello');
    await expect(store.artifactDir('0'.repeat(64))).rejects.toMatchObject({ code: 'STORE_ARTIFACT_MISSING' });
  });

  it('never trusts an action record that does not parse, and leaves it for verify (reads never change records)', async () => {
    const key = 'ab'.repeat(32);
    await mkdir(join(store.actionPath(key), '..'), { recursive: true });
    writeFileSync(store.actionPath(key), '{"key": "ab');
    expect(await store.readAction(key)).toBeUndefined();
    expect(existsSync(store.actionPath(key))).toBe(true);
  });

  it('takes over a lock left by a dead process, and waits for a live one', async () => {
    const key = 'cd'.repeat(32);
    await mkdir(join(root, 's', 'locks'), { recursive: true });
    writeFileSync(join(root, 's', 'locks', `${key}.lock`), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }));
    const release = await store.lock(key);
    let second = false;
    let waited = false;
    const next = store.lock(key, undefined, () => { waited = true; }).then((r) => { second = true; return r; });
    await new Promise((r) => setTimeout(r, 120));
    expect([waited, second]).toEqual([true, false]);
    await release();
    await (await next)();
    expect(second).toBe(true);
  });
});
