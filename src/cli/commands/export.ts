/**
 * `nnunet export <pipeline.yaml> -o <folder | file.zip> [--node export] [--set k=v ...]`: brings the pipeline's
 * export node up to date (cached when nothing changed) and copies its model folder out, or zips it
 * (nnUNetv2_export_model_to_zip). The result is what `nnunet predict -m` takes on another machine.
 * `--format nnunet` writes that model (the pipeline's, or a model folder given instead) in nnU-Net's results layout.
 */
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Option } from 'commander';
import { exportNnunetFormat } from '../../../nodes/export/nnunet-format.js';
import { copyOut } from '../../util/copy-out.js';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { zipFolder } from '../../../nodes/export/export-model.js';
import { artifactDir, runPipeline, type KindRegistry } from '../../engine/index.js';
import { collectSet } from './run.js';
import { createProgress } from '../progress.js';

export type ExportFormat = 'folder' | 'nnunet';

export interface ExportCommandOptions {
  output: string;
  node: string;
  /** default 'folder': the model folder (or .zip) itself */
  format?: ExportFormat;
  set?: Record<string, string>;
  store?: string;
  runsDir?: string;
  /** node kinds (default: the product's registry; tests add stand-ins) */
  kinds?: KindRegistry;
}

export async function exportCommand(pipeline: string, o: ExportCommandOptions, log: (l: string) => void): Promise<number> {
  const isModel = o.format === 'nnunet' && statSync(resolve(pipeline), { throwIfNoEntry: false })?.isDirectory();
  const dir = isModel ? resolve(pipeline) : await pipelineModel(pipeline, o);
  if (!dir) return 1;
  const out = resolve(o.output);
  if (o.format === 'nnunet') {
    const { folders } = await exportNnunetFormat(dir, out);
    log(`model exported in nnU-Net's layout to ${out} (${Object.values(folders).join(', ')}); ` +
      `use it as nnUNet_results/<DatasetXXX>, or with: nnUNetv2_predict_from_modelfolder -m ${out}/${Object.values(folders)[0]}`);
    return 0;
  }
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
  // a long pipeline (training) may run first: show its live progress
  const view = createProgress(false);
  const record = await runPipeline({ kinds: o.kinds ?? kinds, pipelineFile: resolve(pipeline), targets: [o.node], set: o.set, storeDir: o.store, runsDir: o.runsDir, name: 'export',
    onEvent: view.observer }).finally(() => view.stop());
  const done = record.nodes.find((n) => n.node === o.node && n.outputs);
  if (record.status !== 'succeeded' || !done) {
    return null;
  }
  return artifactDir(o.store ?? process.env.NNUNET_STORE ?? '.nnunet', done.outputs!.digest);
}

export function register(program: Command): void {
  program
    .command('export')
    .description("export a pipeline's trained model as a self-contained folder or zip (nnUNetv2_export_model_to_zip)")
    .argument('<pipeline>', 'pipeline YAML with an export node (--format nnunet: or a model folder)')
    .requiredOption('-o, --output <path>', "model folder, or a .zip file (--format nnunet: nnU-Net's results folder for the dataset)")
    .addOption(new Option('--format <format>', "folder: the model folder or .zip; nnunet: nnU-Net's results layout with checkpoint_final.pth").choices(['folder', 'nnunet']).default('folder'))
    .option('--node <name>', 'name of the export node in the pipeline', 'export')
    .option('--set <key=value>', 'override a pipeline param (repeatable)', collectSet)
    .action(async (pipeline: string, opts: Omit<ExportCommandOptions, 'store' | 'runsDir'>, cmd: Command) => {
      const { store, runsDir } = cmd.optsWithGlobals<{ store?: string; runsDir?: string }>();
      process.exitCode = await exportCommand(pipeline, { ...opts, store, runsDir }, (l) => process.stdout.write(`${l}\n`));
    });
}
