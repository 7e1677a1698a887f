/**
 * `nnunet export <pipeline.yaml> -o <folder | file.zip> [--node export] [--set k=v ...]`: brings the pipeline's
 * export node up to date (cached when nothing changed) and copies its model folder out, or zips it
 * (nnUNetv2_export_model_to_zip). The result is what `nnunet predict -m` takes on another machine.
 */
import { mkdir } from 'node:fs/promises';
import { copyOut } from '../../util/copy-out.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { zipFolder } from '../../../nodes/export/export-model.js';
import { artifactDir, NnunetError, runPipeline, type KindRegistry } from '../../engine/index.js';
import { collectSet } from './run.js';
import { createProgress } from '../progress.js';
import { writeWebApp } from '../../web/export.js';
import { int } from '../option-parsers.js';

export interface ExportCommandOptions {
  output: string;
  node: string;
  set?: Record<string, string>;
  store?: string;
  runsDir?: string;
  /** node kinds (default: the product's registry; tests add stand-ins) */
  kinds?: KindRegistry;
}

export async function exportCommand(pipeline: string, o: ExportCommandOptions, log: (l: string) => void): Promise<number> {
  // a long pipeline (training) may run first: show its live progress
  const view = createProgress(false);
  const record = await runPipeline({ kinds: o.kinds ?? kinds, pipelineFile: resolve(pipeline), targets: [o.node], set: o.set, storeDir: o.store, runsDir: o.runsDir, name: 'export',
    onEvent: view.observer }).finally(() => view.stop());
  const done = record.nodes.find((n) => n.node === o.node && n.outputs);
  if (record.status !== 'succeeded' || !done) {
    return 1;
  }
  const dir = await artifactDir(o.store ?? process.env.NNUNET_STORE ?? '.nnunet', done.outputs!.digest);
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

/** `--format web <model folder> --out <dir>`: the static page that segments in the browser (src/web). */
async function exportWeb(modelDir: string, o: { out?: string; output?: string; configuration?: string; folds?: number[] },
  log: (l: string) => void): Promise<number> {
  const out = o.out ?? o.output;
  if (!out) throw new NnunetError('CLI_USAGE', 'export --format web needs --out <dir>');
  const r = await writeWebApp(resolve(modelDir), resolve(out), { configuration: o.configuration, folds: o.folds });
  log(`web page for ${r.configuration}, folds ${r.folds.join(' ')} written to ${resolve(out)} ` +
    `(app.js ${(r.bundleBytes / 2 ** 20).toFixed(1)} MB, weights ${(r.weightBytes / 2 ** 20).toFixed(1)} MB); serve it with any static file server`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('export')
    .description("export a pipeline's trained model as a self-contained folder or zip (nnUNetv2_export_model_to_zip); " +
      '--format web: a static page that segments NIfTI files in the browser')
    .argument('<pipeline>', 'pipeline YAML with an export node (--format web: a model folder)')
    .option('-o, --output <path>', 'model folder, or a .zip file')
    .option('--format <format>', 'web: a static folder segmenting in the browser')
    .option('--out <dir>', '--format web: the folder to write')
    .option('-c, --configuration <name>', "--format web: configuration (default: find-best's choice)")
    .option('-f, --folds <folds...>', '--format web: folds (default: all trained)', (v: string, prev: number[] = []) => [...prev, int(v)])
    .option('--node <name>', 'name of the export node in the pipeline', 'export')
    .option('--set <key=value>', 'override a pipeline param (repeatable)', collectSet)
    .action(async (pipeline: string, opts: Omit<ExportCommandOptions, 'store' | 'runsDir' | 'output'> & {
      output?: string; format?: string; out?: string; configuration?: string; folds?: number[];
    }, cmd: Command) => {
      const log = (l: string) => process.stdout.write(`${l}\n`);
      if (opts.format === 'web') {
        process.exitCode = await exportWeb(pipeline, opts, log);
        return;
      }
      if (opts.format !== undefined) throw new NnunetError('CLI_USAGE', `--format ${opts.format}: unknown format (web)`);
      if (!opts.output) throw new NnunetError('CLI_USAGE', 'export needs -o, --output <path>');
      const { store, runsDir } = cmd.optsWithGlobals<{ store?: string; runsDir?: string }>();
      process.exitCode = await exportCommand(pipeline, { ...opts, output: opts.output, store, runsDir }, log);
    });
}
