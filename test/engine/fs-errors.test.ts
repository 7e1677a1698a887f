/**
 * File-system errors are the user's to fix, so they read as such (issue 17): exit 1 and one line naming the
 * path, the operation and what to do, never [INTERNAL], nothing half-written. ENOSPC / EMFILE are injected
 * into node:fs; permissions are real, as a non-root user (CI runs as root, which no mode bit stops).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { MakeDirectoryOptions, PathLike } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli } from './cli-harness.js';
import { fsError, withPath } from '../../src/engine/fs-errors.js';

const inject = vi.hoisted(() => ({ code: '', match: '' }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fail = (path: unknown, syscall: string): void => {
    if (inject.code && String(path).includes(inject.match)) {
      throw Object.assign(new Error(`${inject.code}: injected, ${syscall} '${String(path)}'`), { code: inject.code, syscall, path: String(path) });
    }
  };
  const writeFileSync: typeof fs.writeFileSync = (file, ...rest) => { fail(file, 'write'); return fs.writeFileSync(file, ...rest); };
  const mkdirSync = ((path: PathLike, opts?: MakeDirectoryOptions) => { fail(path, 'mkdir'); return fs.mkdirSync(path, opts); }) as typeof fs.mkdirSync;
  return { ...fs, default: { ...fs, writeFileSync, mkdirSync }, writeFileSync, mkdirSync };
});

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (path: unknown, syscall: string): void => {
    if (inject.code && String(path).includes(inject.match)) {
      throw Object.assign(new Error(`${inject.code}: injected, ${syscall} '${String(path)}'`), { code: inject.code, syscall, path: String(path) });
    }
  };
  const writeFile = (async (file: string, ...rest: unknown[]) => { fail(file, 'write'); return (fs.writeFile as (...a: unknown[]) => Promise<void>)(file, ...rest); }) as typeof fs.writeFile;
  const mkdir = (async (path: string, opts?: unknown) => { fail(path, 'mkdir'); return (fs.mkdir as (...a: unknown[]) => Promise<unknown>)(path, opts); }) as typeof fs.mkdir;
  return { ...fs, default: { ...fs, writeFile, mkdir }, writeFile, mkdir };
});

const PIPE = 'version: 1\nname: fs\nnodes:\n  a: { uses: command, with: { run: "echo hi > out.txt", outs: [out.txt] } }\n';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nnunet-fserr-'));
  writeFileSync(join(dir, 'pipeline.yaml'), PIPE);
});
afterEach(() => {
  inject.code = '';
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under `root` whose name says it was left half-written. */
function leftovers(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.tmp$/.test(f));
}

describe('injected file-system errors', () => {
  it.each([
    ['ENOSPC', 'state', 'no space left on the device'],
    ['EMFILE', 'state', 'too many open files'],
    ['EROFS', 'tmp', 'read-only file system'],
  ])('%s in the store (%s) is one line naming path and remedy, exit 1', async (code, match, reason) => {
    inject.code = code;
    inject.match = join(dir, '.nnunet', match);
    const r = await cli(['run', 'pipeline.yaml', '-q', '--store', join(dir, '.nnunet'), '--runs-dir', join(dir, 'runs')], dir);
    expect(r.err).not.toContain('[INTERNAL]');
    expect(r.code).toBe(1);
    expect(r.err).toContain(reason);
    expect(r.err).toContain(join(dir, '.nnunet', match));
    expect(r.err).toContain(`[FS_${code}]`);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(leftovers(join(dir, '.nnunet'))).toEqual([]);
  });

  it('ENOSPC in the runs folder fails before any action runs', async () => {
    inject.code = 'ENOSPC';
    inject.match = join(dir, 'runs');
    const r = await cli(['run', 'pipeline.yaml', '-q', '--store', join(dir, '.nnunet'), '--runs-dir', join(dir, 'runs')], dir);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/cannot (create the folder|write) .*runs.*: no space left on the device; free space/);
    expect(existsSync(join(dir, '.nnunet', 'actions'))).toBe(false);
  });
});

describe('errors of writes through a file descriptor', () => {
  it('name the file they were writing (a full disk at run.json or a state file said only "cannot write")', () => {
    const fdError = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 });
    expect(fsError(fdError())?.message).toBe('cannot write: no space left on the device; free space (nnunet store gc frees outputs no run keeps) or choose another folder');
    expect(fsError(withPath(fdError(), '/runs/x/run.json'))).toMatchObject({ code: 'FS_ENOSPC', message: expect.stringMatching(/^cannot write \/runs\/x\/run\.json: no space left/) });
    const opened = Object.assign(new Error('EACCES'), { code: 'EACCES', syscall: 'open', path: '/a/b' });
    expect((withPath(opened, '/other') as { path: string }).path).toBe('/a/b');
  });
});

const asNobody = ((): string[] | undefined => {
  for (const tool of [['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'], ['runuser', '-u', 'nobody', '--']]) {
    if (spawnSync(tool[0], [...tool.slice(1), 'true']).status === 0) return tool;
  }
  return undefined;
})();
const BIN = new URL('../../bin/nnunet.js', import.meta.url).pathname;
// a checkout under a private folder (`mktemp -d` makes it 0700) is out of nobody's reach: the CLI cannot even start
const nobodyReachesCli = asNobody !== undefined && spawnSync(asNobody[0], [...asNobody.slice(1), 'test', '-r', BIN]).status === 0;

describe.skipIf(!nobodyReachesCli || process.getuid?.() !== 0)('permissions, as a non-root user', () => {
  if (!asNobody) console.log('skipped: neither setpriv nor runuser can switch to user nobody');
  else if (!nobodyReachesCli) console.log(`skipped: user nobody cannot read ${BIN} (a folder above it is private)`);
  const run = (args: string[]): { status: number | null; err: string } => {
    const r = spawnSync(asNobody![0], [...asNobody!.slice(1), process.execPath, BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: dir } });
    return { status: r.status, err: r.stderr };
  };
  const open = (...paths: string[]): void => paths.forEach((p) => { mkdirSync(p, { recursive: true }); chmodSync(p, 0o777); });

  it.each([
    ['a read-only store', () => { open(join(dir, 'runs')); mkdirSync(join(dir, 'ro-store')); chmodSync(dir, 0o755); }, 'ro-store'],
    ['a read-only runs folder', () => { open(join(dir, 'store')); mkdirSync(join(dir, 'ro-runs')); chmodSync(dir, 0o755); }, 'ro-runs'],
    ['a read-only --out folder', () => { open(join(dir, 'store'), join(dir, 'runs')); mkdirSync(join(dir, 'ro-out')); chmodSync(dir, 0o755); }, 'ro-out'],
  ])('%s: exit 1, one line naming the path and what to do', (_name, setup, what) => {
    setup();
    const store = what === 'ro-store' ? join(dir, 'ro-store') : join(dir, 'store');
    const runs = what === 'ro-runs' ? join(dir, 'ro-runs') : join(dir, 'runs');
    const props = { max: 1, mean: 0.5, median: 0.5, min: 0, percentile_00_5: 0, percentile_99_5: 1, std: 0.25 };
    writeFileSync(join(dir, 'fp.json'), JSON.stringify({ foreground_intensity_properties_per_channel: { 0: props }, median_relative_size_after_cropping: 1,
      shapes_after_crop: [[36, 50, 35], [36, 50, 35]], spacings: [[1, 1, 1], [1, 1, 1]] }));
    writeFileSync(join(dir, 'ds.json'), JSON.stringify({ channel_names: { 0: 'MRI' }, labels: { background: 0, a: 1 }, numTraining: 2, file_ending: '.nii.gz' }));
    const r = what === 'ro-out'
      ? run(['--store', store, '--runs-dir', runs, 'plan', '--fingerprint', 'fp.json', '--dataset-json', 'ds.json', '--out', join(dir, 'ro-out')])
      : run(['run', 'pipeline.yaml', '-q', '--store', store, '--runs-dir', runs]);
    expect(r.err).not.toContain('[INTERNAL]');
    expect(r.status, r.err).toBe(1);
    expect(r.err).toContain(what);
    if (what !== 'ro-out') expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/permission denied; make it writable for this user, or choose another folder/);
  }, 60_000);
});
