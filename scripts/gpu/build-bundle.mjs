#!/usr/bin/env node
/* global process, console */
/**
 * Builds the GPU benchmark as a self-contained folder for a machine with no Node toolchain and no network:
 *   <out>/gpu.mjs            bench/gpu.ts and everything it imports (tfjs included), one ESM file
 *   <out>/loader-worker.mjs  the data loader's worker thread entry (the loader finds it beside itself)
 *   <out>/torch_unet.py      the PyTorch twin the benchmark runs
 *   <out>/node_modules/webgpu/{index.js,package.json,dist/linux-x64}: Dawn stays external (a native addon)
 * usage: node scripts/gpu/build-bundle.mjs <out dir>     then: node <out>/gpu.mjs
 * tfjs packages resolve to their ESM builds so one tfjs-core instance serves the backends and the gradients
 * (src/nn/ops/gradients.ts loads tfjs's CommonJS union bundle at run time, which a bundle cannot carry).
 */
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = resolve(process.argv[2] ?? join(root, '.gpu/bench'));

const gradients = {
  name: 'tfjs-gradients-esm',
  setup(b) {
    b.onLoad({ filter: /src[\\/]nn[\\/]ops[\\/]gradients\.ts$/ }, () => ({
      contents: "import '@tensorflow/tfjs-core/dist/register_all_gradients.js';", loader: 'ts', resolveDir: root,
    }));
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { gpu: 'bench/gpu.ts', 'loader-worker': 'src/nn/data/loader-worker.ts' },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  mainFields: ['module', 'main'],
  // Dawn is a native addon; the tfjs-node packages are optional and never in a GPU bundle (probes fail cleanly)
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins
  banner: { js: "import { createRequire as __nnunetRequire } from 'node:module'; const require = __nnunetRequire(import.meta.url);" },
  plugins: [gradients],
  logLevel: 'warning',
});
cpSync(join(root, 'bench/torch_unet.py'), join(out, 'torch_unet.py'));
const dawn = join(root, 'node_modules/webgpu');
for (const f of ['index.js', 'package.json', 'dist/linux-x64']) cpSync(join(dawn, f), join(out, 'node_modules/webgpu', f), { recursive: true });
console.log(`bundle written to ${out}`);
