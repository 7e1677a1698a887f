/**
 * `nnunet export <pipeline.yaml> -o <folder | file.zip> [--node export] [--set k=v ...]`: brings the pipeline's
 * export node up to date (cached when nothing changed) and copies its model folder out, or zips it
 * (nnUNetv2_export_model_to_zip). The result is what `nnunet predict -m` takes on another machine.
 * `--format onnx` writes that model (the pipeline's, or a model folder or .zip given instead) as ONNX;
 * `--format nnunet` in nnU-Net's results layout (checkpoint_final.pth, plans.json, dataset.json, postprocessing.pkl).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Option } from 'commander';
import { NnunetError } from '../../engine/errors.js';
import { exportOnnx } from '../../interop/onnx/export-onnx.js';
import { exportNnunetFormat } from '../../../nodes/export/nnunet-format.js';
import { ONNX_INFO_FILE } from '../../interop/onnx/info.js';
import { copyOut } from '../../util/copy-out.js';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { withModelFolder, zipFolder } from '../../../nodes/export/export-model.js';
import { artifactDir, buildPlan, runPlan, type KindRegistry } from '../../engine/index.js';
import { collectSet } from './run.js';
import { refuseUntrained } from './untrained.js';
import { createProgress } from '../progress.js';
import { writeWebApp } from '../../web/export.js';
import { int } from '../option-parsers.js';

export type ExportFormat = 'folder' | 'onnx' | 'nnunet' | 'web';

export interface ExportCommandOptions {
  /** where to write (-o/--output, or --out) */
  output: string;
  node: string;
  /** default 'folder': the model folder (or .zip) itself */
  format?: ExportFormat;
  /** --format onnx|web: which configuration of the model */
  configuration?: string;
  /** --format web: which folds (default: all trained) */
  folds?: number[];
  set?: Record<string, string>;
  store?: string;
  runsDir?: string;
  /** node kinds (default: the product's registry; tests add stand-ins) */
  kinds?: KindRegistry;
  /** train what is not trained yet instead of refusing */
  train?: boolean;
}

export async function exportCommand(source: string, o: ExportCommandOptions, log: (l: string) => void): Promise<number> {
  const src = resolve(source);
  if (!o.format || o.format === 'folder') return exportFolder(src, o, log);
  if (!existsSync(src)) throw new NnunetError('CLI_EXPORT_SOURCE', `no pipeline file or model folder at ${src}`, { file: src });
  const isModel = statSync(src).isDirectory() || src.endsWith('.zip');
  return withModelFolder(src, async (folder) => {
    const modelDir = isModel ? folder : await pipelineModel(src, o);
    if (!modelDir) return 1;
    const out = resolve(o.output);
    if (o.format === 'nnunet') {
      const { folders } = await exportNnunetFormat(modelDir, out);
      log(`model exported in nnU-Net's layout to ${out} (${Object.values(folders).join(', ')}); ` +
        `use it as nnUNet_results/<DatasetXXX>, or with: nnUNetv2_predict_from_modelfolder -m ${join(out, Object.values(folders)[0])}`);
      return 0;
    }
    if (o.format === 'web') {
      const r = await writeWebApp(modelDir, out, { configuration: o.configuration, folds: o.folds });
      log(`web page for ${r.configuration}, folds ${r.folds.join(' ')} written to ${out} ` +
        `(app.js ${(r.bundleBytes / 2 ** 20).toFixed(1)} MB, weights ${(r.weightBytes / 2 ** 20).toFixed(1)} MB); serve it with any static file server`);
      return 0;
    }
    const info = await exportOnnx(modelDir, out, { configuration: o.configuration });
    log(`ONNX model exported to ${out}: ${info.folds.map((f) => f.file).join(', ')} + ${ONNX_INFO_FILE} (${info.configuration}, input ${info.input.layout})`);
    return 0;
  });
}

async function exportFolder(pipeline: string, o: ExportCommandOptions, log: (l: string) => void): Promise<number> {
  const dir = await pipelineModel(pipeline, o);
  if (!dir) return 1;
  const out = resolve(o.output);
  if (out.endsWith('.zip')) {
    await zipFolder(dir, out);
  } else {
    await mkdir(out, { recursive: true });
    await copyOut(dir, out);
  }
  log(`model exported to ${out}; use it with: nnunet predict -i INPUT -o OUTPUT -m ${out}`);
  return 0;
}

/** The export node's model folder in the store, brought up to date; null when the run failed. */
async function pipelineModel(pipeline: string, o: ExportCommandOptions): Promise<string | null> {
  const opts = { kinds: o.kinds ?? kinds, pipelineFile: resolve(pipeline), targets: [o.node], set: o.set, storeDir: o.store, runsDir: o.runsDir };
  const plan = await buildPlan(opts);
  if (!o.train) await refuseUntrained(plan, o.store, 'export');
  // what is stale before the export node (and with --train, training) may run first: show its live progress
  const view = createProgress(false);
  const { record } = await runPlan(plan, { ...opts, name: 'export', onEvent: view.observer }).finally(() => view.stop());
  const done = record.nodes.find((n) => n.node === o.node && n.outputs);
  if (record.status !== 'succeeded' || !done) {
    return null;
  }
  return artifactDir(o.store ?? process.env.NNUNET_STORE ?? '.nnunet', done.outputs!.digest);
}

type ExportFlags = Omit<ExportCommandOptions, 'store' | 'runsDir' | 'output'> & { output?: string; out?: string };

export function register(program: Command): void {
  program
    .command('export')
    .description("export a pipeline's trained model as a self-contained folder or zip (nnUNetv2_export_model_to_zip), " +
      "in nnU-Net's results layout, as ONNX, or as a static page that segments in the browser")
    .argument('<pipeline>', 'pipeline YAML with an export node (--format onnx|nnunet|web: or a model folder or .zip)')
    .option('-o, --output <path>', 'model folder, or a .zip file (--format onnx: the folder for the .onnx files; nnunet: nnU-Net\'s results folder for the dataset; web: the page folder)')
    .option('--out <path>', 'the same as --output')
    .addOption(new Option('--format <format>', 'folder: the model folder or .zip; onnx: one .onnx per fold + nnunet_onnx.json; nnunet: nnU-Net\'s results layout with checkpoint_final.pth; web: a static folder segmenting in the browser')
      .choices(['folder', 'onnx', 'nnunet', 'web']).default('folder'))
    .option('-c, --configuration <name>', "--format onnx|web: the configuration to export (default: find-best's choice, else the only one)")
    .option('-f, --folds <folds...>', '--format web: folds (default: all trained)', (v: string, prev: number[] = []) => [...prev, int(v)])
    .option('--node <name>', 'name of the export node in the pipeline', 'export')
    .option('--set <key=value>', 'override a pipeline param (repeatable)', collectSet)
    .option('--train', 'train the folds that are not trained yet (default: refuse, as nnU-Net exports only trained models)')
    .action(async (pipeline: string, opts: ExportFlags, cmd: Command) => {
      const output = opts.output ?? opts.out;
      if (!output) throw new NnunetError('CLI_USAGE', `export needs -o, --output <path> (or --out)`);
      const { store, runsDir } = cmd.optsWithGlobals<{ store?: string; runsDir?: string }>();
      process.exitCode = await exportCommand(pipeline, { ...opts, output, store, runsDir }, (l) => process.stdout.write(`${l}\n`));
    });
}
