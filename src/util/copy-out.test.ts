import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyOut } from './copy-out.js';

const root = mkdtempSync(join(tmpdir(), 'copy-out-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('copyOut', () => {
  it('copies read-only store files as owner-writable files, again and again', async () => {
    const store = join(root, 'artifact');
    mkdirSync(join(store, 'sub'), { recursive: true });
    writeFileSync(join(store, 'a.json'), '1');
    writeFileSync(join(store, 'sub', 'b.bin'), '2');
    for (const f of ['a.json', 'sub/b.bin']) chmodSync(join(store, f), 0o444);
    const out = join(root, 'out');
    await copyOut(store, out);
    writeFileSync(join(store, 'late.txt'), '3');
    chmodSync(join(store, 'a.json'), 0o644);
    writeFileSync(join(store, 'a.json'), '4');
    chmodSync(join(store, 'a.json'), 0o444);
    await copyOut(store, out);
    expect(readFileSync(join(out, 'a.json'), 'utf8')).toBe('4');
    for (const f of ['a.json', 'sub/b.bin', 'late.txt']) expect(statSync(join(out, f)).mode & 0o200, f).toBe(0o200);
    await copyOut(join(store, 'sub', 'b.bin'), join(root, 'single.bin'));
    expect(statSync(join(root, 'single.bin')).mode & 0o200).toBe(0o200);
    // a read-only leftover from an older copy is replaced
    writeFileSync(join(root, 'old.json'), 'stale');
    chmodSync(join(root, 'old.json'), 0o444);
    await copyOut(join(store, 'a.json'), join(root, 'old.json'));
    expect(readFileSync(join(root, 'old.json'), 'utf8')).toBe('4');
    expect(statSync(join(root, 'old.json')).mode & 0o200).toBe(0o200);
  });
});
