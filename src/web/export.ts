/**
 * `nnunet export --format web`: a static folder that segments NIfTI files in the browser with a trained model.
 *   index.html, app.js (src/web/app bundled by esbuild), tfjs-backend-wasm*.wasm (served locally, never fetched
 *   from a CDN), model/model.json + model/plans.json + model/dataset.json + model/fold_<f>/{manifest.json,weights.bin}.
 * The bundle is built at export time from the same modules `nnunet predict` runs (preprocessing, sliding window,
 * export, postprocessing), so the page can never drift from the CLI. `nnunet serve` calls writeWebApp too.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NnunetError } from '../engine/errors.js';
import { parseOps } from '../../nodes/postprocess/apply.js';
import { chosenConfigurations, closeModel, openModel, type FoldId, type FoldNetwork } from '../../nodes/predict/model.js';
import { parsePythonJson } from '../util/py-json.js';
import type { CheckpointManifest } from '../nn/checkpoint-format.js';
import { WEB_MODEL_FORMAT, WEB_MODEL_VERSION, type WebModel } from './model-format.js';

export interface WebExportOptions {
  /** configuration to export (default: find-best's choice, else the only one trained) */
  configuration?: string;
  folds?: FoldId[];
  checkpoint?: string;
  /** minify app.js (default true; the tests read stack traces better without) */
  minify?: boolean;
}

export interface WebExportResult {
  configuration: string;
  folds: FoldId[];
  /** bytes of app.js and of the weights */
  bundleBytes: number;
  weightBytes: number;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The tfjs WASM binaries (plain, SIMD, threaded SIMD); the backend picks one by what the browser offers. */
function wasmFiles(): string[] {
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  return ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((f) => join(dist, f));
}

export async function writeWebApp(modelDir: string, outDir: string, o: WebExportOptions = {}): Promise<WebExportResult> {
  const chosen = o.configuration ? [] : await chosenConfigurations(modelDir);
  if (chosen.length > 1) {
    throw new NnunetError('WEB_EXPORT_ENSEMBLE',
      `${modelDir}: find-best chose an ensemble (${chosen.join(' + ')}); the browser page runs one configuration, choose it with -c`);
  }
  // openModel resolves the configuration and folds exactly as `nnunet predict -m` does; the loader only notes
  // where each fold's checkpoint is, the networks are built in the browser
  const checkpoints: string[] = [];
  const noteCheckpoint = async (dir: string): Promise<FoldNetwork> => {
    checkpoints.push(dir);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as CheckpointManifest;
    return {
      predictor: () => {
        throw new NnunetError('WEB_EXPORT_NO_NETWORK', 'the web export does not run networks');
      },
      mirrorAxes: manifest.mirrorAxes ?? null,
      dispose: () => undefined,
    };
  };
  const model = await openModel(modelDir, { configuration: o.configuration, folds: o.folds, checkpoint: o.checkpoint, loader: noteCheckpoint });
  closeModel(model);
  if (model.config.previous_stage !== undefined) {
    throw new NnunetError('WEB_EXPORT_CASCADE',
      `${modelDir}: ${model.configuration} is a cascade stage (it needs ${model.config.previous_stage}'s predictions); export a single-stage configuration`);
  }
  let postprocessing: WebModel['postprocessing'] = [];
  const pp = join(modelDir, 'postprocessing.json');
  if (existsSync(pp)) postprocessing = parseOps(parsePythonJson(await readFile(pp, 'utf8')), pp);

  // the folder is replaced whole, so it must be empty or an earlier web export, never a folder of other files
  if (existsSync(outDir) && (await readdir(outDir)).length > 0 && !existsSync(join(outDir, 'model', 'model.json'))) {
    throw new NnunetError('WEB_EXPORT_OUT_NOT_EMPTY', `${outDir} exists and is not a web export; give an empty or new folder`, { file: outDir });
  }
  await rm(outDir, { recursive: true, force: true });
  const modelOut = join(outDir, 'model');
  await mkdir(modelOut, { recursive: true });
  let weightBytes = 0;
  const folds = await Promise.all(model.folds.map(async (fold, i) => {
    const path = `fold_${fold}`;
    await mkdir(join(modelOut, path));
    await copyFile(join(checkpoints[i], 'manifest.json'), join(modelOut, path, 'manifest.json'));
    const weights = join(modelOut, path, 'weights.bin');
    await copyFile(join(checkpoints[i], 'weights.bin'), weights);
    weightBytes += (await stat(weights)).size;
    return { fold, path };
  }));
  const webModel: WebModel = {
    format: WEB_MODEL_FORMAT, format_version: WEB_MODEL_VERSION, plans: model.plans, datasetJson: model.datasetJson,
    configuration: model.configuration, folds, postprocessing,
  };
  await writeFile(join(modelOut, 'model.json'), JSON.stringify(webModel));

  const bundle = await build({
    entryPoints: [join(here, 'app', 'main.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: o.minify !== false,
    outfile: join(outDir, 'app.js'),
    write: true,
    metafile: true,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  }).catch((cause: unknown) => {
    throw new NnunetError('WEB_EXPORT_BUNDLE', `bundling the page failed: ${(cause as Error).message}`, {}, { cause });
  });
  const bundleBytes = Object.values(bundle.metafile.outputs).reduce((a, out) => a + out.bytes, 0);
  await copyFile(join(here, 'app', 'index.html'), join(outDir, 'index.html'));
  for (const f of wasmFiles()) await copyFile(f, join(outDir, relative(dirname(f), f)));
  return { configuration: model.configuration, folds: model.folds, bundleBytes, weightBytes };
}
