/**
 * `nnunet export --format web` in headless Chromium: the exported folder, served by a plain static server on
 * 127.0.0.1, segments a dropped phantom NIfTI on WebGPU (SwiftShader: WebGPU on the CPU) and on WASM, and the
 * downloaded label map equals `nnunet predict`'s for the same model and image.
 *
 * On webgpu the page must run our WGSL NetOps (the Nn* convolution kernels counted by the page), not tfjs's stock
 * kernels, and a GPU validation error must fail a segmentation visibly; wasm runs the reference ops.
 *
 * Tolerance: the page runs the WGSL kernels on WebGPU and the reference tfjs ops on WASM, the CLI the oneDNN
 * kernels (or tfjs-cpu); logits differ in the last bits, so a voxel whose two best classes are within that rounding
 * may flip. We allow at most 0.5% of the voxels to differ (measured: see README, "Segment in the browser");
 * geometry must be identical.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSegmentation } from '../../src/imaging/index.js';
import { predictCommand } from '../../src/cli/commands/predict.js';
import { KEEP_LARGEST } from '../../nodes/postprocess/operations.js';
import { cli } from '../engine/cli-harness.js';
import { writeTinyImage, writeTinyModel } from '../predict/tiny-model.js';
import { serveStatic } from './static-server.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** share of voxels allowed to differ from `nnunet predict` (rounding-level logit differences at class borders) */
const MAX_DIFFERENT = 0.005;
/** where screenshots go when set (to look at the page) */
const SHOTS = process.env.NNUNET_SCREENSHOT_DIR;

describe.skipIf(!existsSync(CHROMIUM))('segment in the browser (nnunet export --format web)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nnunet-web-'));
  const model = join(dir, 'model');
  const image = join(dir, 'in', 'phantom_0000.nii.gz');
  const web = join(dir, 'web');
  let browser: Browser;
  let site: Awaited<ReturnType<typeof serveStatic>>;

  beforeAll(async () => {
    await writeTinyModel(model, [0]);
    // the model's postprocessing runs in the page too
    writeFileSync(join(model, 'postprocessing.json'), JSON.stringify({ postprocessing_fns: [KEEP_LARGEST], postprocessing_kwargs: [{ labels_or_regions: 1 }] }));
    mkdirSync(join(dir, 'in'));
    await writeTinyImage(image, 1);
    expect(await predictCommand({ input: [join(dir, 'in')], output: join(dir, 'cli'), model, tta: true, stepSize: 0.5, postprocessing: true, numParts: 1, partId: 0 },
      () => undefined)).toBe(0);
    const exported = await cli(['export', '--format', 'web', model, '--out', web]);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toContain('web page for 3d_fullres, folds 0 written to');
    site = await serveStatic(web);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 200_000);
  afterAll(async () => {
    await browser?.close();
    site?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // the tuned run: `?conv=tune` (what auto does on a real GPU) times GEMM against stock conv kernels per shape
  const RUNS = [{ backend: 'webgpu', query: '' }, { backend: 'webgpu', query: '?conv=tune' }, { backend: 'wasm', query: '?backend=wasm' }] as const;
  for (const { backend, query } of RUNS) {
    const tuned = query === '?conv=tune';
    it(`segments a dropped phantom on ${backend}${query ? ` (${query})` : ''} like nnunet predict`, async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
      // keeps the page's GPU device within the test's reach, to inject a validation error below, and notes the
      // WGSL it compiles, to tell which sliding-window accumulator ran
      await page.addInitScript(() => {
        const request = GPUAdapter.prototype.requestDevice;
        GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, ...args: Parameters<GPUAdapter['requestDevice']>) {
          const device = await request.apply(this, args);
          const seen = window as unknown as { devices: GPUDevice[]; shaders: string[] };
          seen.devices = [device];
          seen.shaders = [];
          const compile = device.createShaderModule.bind(device);
          device.createShaderModule = (d) => {
            seen.shaders.push(d.code);
            return compile(d);
          };
          return device;
        };
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${site.url}${query}`);
      await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 60_000 });
      expect(await page.locator('#error').textContent()).toBe('');
      expect(await page.evaluate(() => document.body.dataset.backend)).toBe(backend);
      expect(await page.evaluate(() => document.body.dataset.ops)).toBe(backend === 'webgpu' ? 'webgpu' : 'reference');
      // auto keeps the GEMM on SwiftShader, a CPU fallback adapter
      expect(await page.evaluate(() => document.body.dataset.convs)).toBe(backend === 'wasm' ? undefined : tuned ? 'tune' : 'gemm');
      // and f32 convolutions: SwiftShader offers no shader-f16 (?amp=auto)
      expect(await page.evaluate(() => document.body.dataset.precision)).toBe(backend === 'wasm' ? undefined : 'f32');
      if (SHOTS) await page.screenshot({ path: join(SHOTS, `web-ready-${backend}.png`) });

      const t0 = Date.now();
      const lap = (what: string) => console.log(`${backend}: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await page.setInputFiles('#file', image);
      await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 150_000 });
      expect(await page.locator('#error').textContent()).toBe('');
      lap('segmented');
      const kernels = await page.evaluate(() => document.body.dataset.kernels);
      console.log(`${backend}: Nn* kernels that ran: ${kernels}`);
      if (backend === 'webgpu') {
        expect(kernels).toMatch(/NnConv ×[1-9]/);
        // window-accumulate.ts's scatter-add: the logits were summed on the GPU, as `nnunet predict` does on webgpu
        const scatter = await page.evaluate(() => (window as unknown as { shaders: string[] }).shaders.some((c) => c.includes('uniforms.addWeight')));
        expect(scatter, 'the GPU sliding-window accumulator ran').toBe(true);
        const choices = await page.evaluate(() => document.body.dataset.convChoices);
        if (tuned) {
          console.log(`webgpu tuned: conv kernel choices ${choices}`);
          const counts = JSON.parse(choices!) as Record<string, number>;
          expect(Object.keys(counts).sort()).toEqual(['gemm', 'gemm-vec4', 'stock']);
          expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
        } else {
          expect(choices).toBeUndefined();
        }
      } else {
        expect(kernels).toBe('none');
      }
      expect(await page.locator('#progress-text').textContent()).toContain('100%');
      await page.waitForTimeout(300);
      const shot = await page.locator('#viewer').screenshot();
      if (SHOTS) await page.screenshot({ path: join(SHOTS, `web-done-${backend}.png`) });
      // niivue drew the image: many distinct pixel values on the canvas
      const png = PNG.sync.read(shot);
      const colours = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4 * 7) colours.add(png.data.readUInt32BE(i));
      expect(colours.size).toBeGreaterThan(50);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
      expect(download.suggestedFilename()).toBe('phantom_seg.nii.gz');
      lap('downloaded');
      const saved = join(dir, `browser-${backend}${tuned ? '-tuned' : ''}.nii.gz`);
      await download.saveAs(saved);
      const ours = await readSegmentation(saved);
      const cli = await readSegmentation(join(dir, 'cli', 'phantom.nii.gz'));
      expect(ours.shape).toEqual(cli.shape);
      expect(ours.geometry).toEqual(cli.geometry);
      let different = 0;
      for (let i = 0; i < cli.data.length; i++) if (ours.data[i] !== cli.data[i]) different++;
      const labels = new Set(cli.data);
      expect(labels.size).toBeGreaterThan(1);
      console.log(`${backend}: ${different} of ${cli.data.length} voxels differ from nnunet predict`);
      expect(different / cli.data.length).toBeLessThanOrEqual(MAX_DIFFERENT);
      // every file the page needed came from the export folder
      expect(site.requests.every((r) => existsSync(join(web, r === '/' ? 'index.html' : r)))).toBe(true);
      expect(errors).toEqual([]);
      if (backend === 'webgpu' && !tuned) {
        // MAP_READ may only pair with COPY_DST: Dawn reports this as an uncapturederror event, not an exception
        await page.evaluate(() => (window as unknown as { devices: GPUDevice[] }).devices[0].createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE }));
        await page.setInputFiles('#file', image);
        await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 150_000 });
        expect(await page.evaluate(() => document.body.dataset.state)).toBe('error');
        expect(await page.locator('#error').textContent()).toContain('[WEBGPU_ERROR]');
      }
      await page.close();
    }, 200_000);
  }

  it('names a bad query parameter on the page instead of starting', async () => {
    const page = await browser.newPage();
    for (const [query, message] of [['?backend=gpu', '?backend=gpu: choose one of webgpu, wasm, cpu'], ['?conv=fastest', '?conv=fastest: choose one of auto, tune, gemm, gemm-vec4, stock']]) {
      await page.goto(`${site.url}${query}`);
      await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 60_000 });
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('error');
      expect(await page.locator('#error').textContent()).toContain(message);
    }
    await page.close();
  });

  it('refuses a missing --out, an unknown format and a configuration the model lacks', async () => {
    const noOut = await cli(['export', '--format', 'web', model]);
    expect([noOut.code, noOut.err]).toEqual([2, expect.stringContaining('--out')]);
    const unknown = await cli(['export', '--format', 'tflite', model, '--out', join(dir, 'x')]);
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringContaining("argument 'tflite' is invalid. Allowed choices are folder, onnx, nnunet, web")]);
    const missing = await cli(['export', '--format', 'web', model, '--out', join(dir, 'x'), '-c', '2d']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('2d');
    const occupied = await cli(['export', '--format', 'web', model, '--out', join(dir, 'in')]);
    expect([occupied.code, occupied.err]).toEqual([1, expect.stringContaining('is not a web export')]);
    expect(existsSync(image)).toBe(true);
  });

  it('exports the page, its wasm binaries and the model', () => {
    for (const f of ['index.html', 'app.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'model/model.json', 'model/fold_0/weights.bin', 'model/fold_0/manifest.json']) {
      expect(existsSync(join(web, f)), f).toBe(true);
    }
    const m = JSON.parse(readFileSync(join(web, 'model', 'model.json'), 'utf8'));
    expect(m).toMatchObject({ configuration: '3d_fullres', folds: [{ fold: 0 }], postprocessing: [{ labels_or_regions: 1 }] });
  });
});
