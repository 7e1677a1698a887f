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
import { artifactDir, runPipeline, type KindRegistry } from '../../engine/index.js';
import { collectSet } from './run.js';
import { createProgress } from '../progress.js';

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

export function register(program: Command): void {
  program
    .command('export')
    .description("export a pipeline's trained model as a self-contained folder or zip (nnUNetv2_export_model_to_zip)")
    .argument('<pipeline>', 'pipeline YAML with an export node')
    .requiredOption('-o, --output <path>', 'model folder, or a .zip file')
    .option('--node <name>', 'name of the export node in the pipeline', 'export')
    .option('--set <key=value>', 'override a pipeline param (repeatable)', collectSet)
    .action(async (pipeline: string, opts: Omit<ExportCommandOptions, 'store' | 'runsDir'>, cmd: Command) => {
      const { store, runsDir } = cmd.optsWithGlobals<{ store?: string; runsDir?: string }>();
      process.exitCode = await exportCommand(pipeline, { ...opts, store, runsDir }, (l) => process.stdout.write(`${l}\n`));
    });
}
