// The conv tuner's file of choices: per adapter, merged on save, replaced atomically, and a broken file is set
// aside (kept) and rebuilt rather than trusted. No GPU needed: the timings are made up.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GpuAdapterFacts } from './adapter.js';
import { convTuningFile, deviceKey, loadConvTuning, saveConvTuning } from './conv-tuning-cache.js';
import type { ConvAlgo, ConvTiming } from './conv-tuner.js';

const gpu = (device: string): GpuAdapterFacts => ({
  vendor: 'nvidia', architecture: 'hopper', device, description: 'NVIDIA: 580.95', fallback: false,
  limits: { maxBufferSize: 1, maxStorageBufferBindingSize: 1, maxComputeWorkgroupStorageSize: 1, maxComputeInvocationsPerWorkgroup: 1 },
  features: [],
});
const H200 = gpu('H200');
const H100 = gpu('H100');
const timing = (key: string, chosen: ConvAlgo, kernel = 'k1'): ConvTiming =>
  ({ key, kind: 'fwd', kernel, ms: { gemm: 2, 'gemm-vec4': 3, stock: 4, [chosen]: 1 }, chosen });

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nnunet-tuning-'));
  file = join(dir, 'sub', 'conv-tuning.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('convTuningFile', () => {
  it('follows NNUNET_CONV_TUNING, then XDG_CACHE_HOME, and off turns it off', () => {
    expect(convTuningFile({ NNUNET_CONV_TUNING: 'off' })).toBeNull();
    expect(convTuningFile({ NNUNET_CONV_TUNING: '/x/t.json' })).toBe('/x/t.json');
    expect(convTuningFile({ NNUNET_CONV_TUNING: 'rel.json' })).toBe(join(process.cwd(), 'rel.json'));
    expect(convTuningFile({ XDG_CACHE_HOME: '/c' })).toBe('/c/nnunet-ts/conv-tuning.json');
    expect(convTuningFile({ NNUNET_CONV_TUNING: '' })).toMatch(/\.cache\/nnunet-ts\/conv-tuning\.json$/);
  });
});

describe('the conv tuning file', () => {
  it('starts empty, and gives back what was saved for the same adapter only', async () => {
    expect(await loadConvTuning(file, H200)).toEqual({ choices: [] });
    await saveConvTuning(file, H200, [timing('fwd a', 'stock'), timing('dx a', 'gemm')]);
    await saveConvTuning(file, H100, [timing('fwd a', 'gemm')]);
    // a later save merges: a new shape is added, a re-timed one replaced
    await saveConvTuning(file, H200, [timing('dw a', 'stock'), timing('dx a', 'stock', 'k2')]);
    const mine = (await loadConvTuning(file, H200)).choices.sort((a, b) => a.key.localeCompare(b.key));
    expect(mine).toEqual([
      { key: 'dw a', chosen: 'stock', kernel: 'k1' }, { key: 'dx a', chosen: 'stock', kernel: 'k2' }, { key: 'fwd a', chosen: 'stock', kernel: 'k1' },
    ]);
    expect((await loadConvTuning(file, H100)).choices).toEqual([{ key: 'fwd a', chosen: 'gemm', kernel: 'k1' }]);
    const saved = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(saved.devices)).toEqual([deviceKey(H200), deviceKey(H100)]);
    expect(saved.devices[deviceKey(H200)]['fwd a']).toMatchObject({ chosen: 'stock', ms: { gemm: 2, 'gemm-vec4': 3, stock: 1 } });
    // no temporary file is left behind
    expect(await readdir(join(dir, 'sub'))).toEqual(['conv-tuning.json']);
  });

  it.each([
    ['not JSON', '{"format": 1, "devices": {', /not valid JSON/],
    ['another format', '{"format": 7, "devices": {}}', /not a conv tuning file of format 2/],
    ['a list', '[1, 2]', /not a conv tuning file/],
  ])('sets aside a file that is %s, keeps its bytes, and rebuilds', async (_name, text, why) => {
    await saveConvTuning(file, H200, []);
    await writeFile(file, text);
    const loaded = await loadConvTuning(file, H200);
    expect(loaded.choices).toEqual([]);
    expect(loaded.warning).toMatch(why);
    expect(loaded.warning).toContain(file);
    const aside = (await readdir(join(dir, 'sub'))).filter((f) => f.includes('.broken-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(dir, 'sub', aside[0]), 'utf8')).toBe(text);
    await saveConvTuning(file, H200, [timing('fwd a', 'stock')]);
    expect((await loadConvTuning(file, H200)).choices).toHaveLength(1);
  });

  it('refuses an oversized file without reading it', async () => {
    await saveConvTuning(file, H200, []);
    await writeFile(file, Buffer.alloc(9 * 1024 * 1024, 0x20));
    expect((await loadConvTuning(file, H200)).warning).toMatch(/9437184 bytes, over the 8388608/);
  });

  it('drops entries that are not choices and keeps the rest', async () => {
    await saveConvTuning(file, H200, []);
    const good = { chosen: 'stock', kernel: 'k', ms: { gemm: 2, 'gemm-vec4': 3, stock: 1 }, at: 'x' };
    await writeFile(file, JSON.stringify({ format: 2, devices: { [deviceKey(H200)]: {
      ok: good, vec4: { ...good, chosen: 'gemm-vec4' }, bad1: { ...good, chosen: 'cudnn' }, bad2: { ...good, kernel: 5 }, bad3: null,
      bad4: { ...good, ms: { ...good.ms, gemm: 'fast' } }, bad5: { ...good, chosen: 'gemm-vec4', ms: { gemm: 2, stock: 1 } },
      // vec4 is not timed where it cannot pay (conv-gemm's vec4Worthwhile)
      noVec4: { ...good, ms: { gemm: 2, stock: 1 } },
    }, other: 'x' } }));
    const loaded = await loadConvTuning(file, H200);
    expect(loaded).toEqual({ choices: [{ key: 'ok', chosen: 'stock', kernel: 'k' }, { key: 'vec4', chosen: 'gemm-vec4', kernel: 'k' },
      { key: 'noVec4', chosen: 'stock', kernel: 'k' }] });
  });

  it('starts afresh, quietly, from a file of the older format (its choices were timed against other kernels)', async () => {
    const old = { chosen: 'stock', kernel: 'k', gemmMs: 2, stockMs: 1, at: 'x' };
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(file, JSON.stringify({ format: 1, devices: { [deviceKey(H200)]: { old } } }));
    expect(await loadConvTuning(file, H200)).toEqual({ choices: [] });
    await saveConvTuning(file, H200, [timing('fwd a', 'gemm-vec4')]);
    const data = JSON.parse(await readFile(file, 'utf8'));
    expect(data.format).toBe(2);
    expect(Object.keys(data.devices[deviceKey(H200)])).toEqual(['fwd a']);
    expect(data.devices[deviceKey(H200)]['fwd a'].ms).toEqual({ gemm: 2, 'gemm-vec4': 1, stock: 4 });
  });

  it('keeps a device named __proto__ as a plain entry, not a prototype', async () => {
    const good = '{"chosen": "stock", "kernel": "k", "ms": {"gemm": 2, "gemm-vec4": 3, "stock": 1}, "at": "x"}';
    await writeFile(join(dir, 'p.json'), `{"format": 2, "devices": {"__proto__": {"ok": ${good}}}}`);
    const p = join(dir, 'p.json');
    expect(await loadConvTuning(p, H200)).toEqual({ choices: [] });
    await saveConvTuning(p, H200, [timing('fwd a', 'gemm')]);
    const saved = JSON.parse(await readFile(p, 'utf8'));
    expect(Object.keys(saved.devices).sort()).toEqual(['__proto__', deviceKey(H200)].sort());
    expect(({} as Record<string, unknown>).ok).toBeUndefined();
  });

  it('stays valid JSON when many processes save at once', async () => {
    await Promise.all(Array.from({ length: 12 }, (_, i) => saveConvTuning(file, H200, [timing(`fwd ${i}`, 'stock')])));
    const { choices, warning } = await loadConvTuning(file, H200);
    expect(warning).toBeUndefined();
    // a lost race only forgets a shape (timed again later); every survivor is intact
    expect(choices.length).toBeGreaterThanOrEqual(1);
    for (const c of choices) expect(c).toEqual({ key: c.key, chosen: 'stock', kernel: 'k1' });
  });

  it.skipIf(process.getuid?.() === 0)('fails to save into a folder it cannot write (the backend turns that into one warning)', async () => {
    await saveConvTuning(file, H200, []);
    await chmod(join(dir, 'sub'), 0o500);
    try {
      await expect(saveConvTuning(file, H200, [timing('fwd a', 'stock')])).rejects.toThrow(/EACCES/);
    } finally {
      await chmod(join(dir, 'sub'), 0o700);
    }
  });
});
