/**
 * `nnunet find-best <pipeline.yaml> [--node find_best] [--postprocess-node postprocess]`:
 * nnUNetv2_find_best_configuration on a pipeline - brings its find-best (and postprocess) nodes up to date, cached
 * when nothing changed, and prints every candidate's cross-validation Dice, the choice and the postprocessing.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { parsePythonJson } from '../../util/py-json.js';
import { artifactDir, buildPlan, runPlan, type KindRegistry } from '../../engine/index.js';
import { collectSet } from './run.js';
import { refuseUntrained } from './untrained.js';
import { createProgress } from '../progress.js';

export interface FindBestCommandOptions {
  node: string;
  postprocessNode: string;
  set?: Record<string, string>;
  store?: string;
  runsDir?: string;
  /** node kinds (default: the product's registry; tests add stand-ins) */
  kinds?: KindRegistry;
  /** train what is not trained yet instead of refusing */
  train?: boolean;
}

export async function findBestCommand(pipeline: string, o: FindBestCommandOptions, log: (l: string) => void): Promise<number> {
  const opts = { kinds: o.kinds ?? kinds, pipelineFile: resolve(pipeline), targets: [o.node, o.postprocessNode], set: o.set, storeDir: o.store, runsDir: o.runsDir };
  const plan = await buildPlan(opts);
  if (!o.train) await refuseUntrained(plan, o.store, 'find-best');
  // validation, evaluation and (with --train) training may run first: show their live progress
  const view = createProgress(false);
  const { record } = await runPlan(plan, { ...opts, name: 'find-best', onEvent: view.observer }).finally(() => view.stop());
  const store = o.store ?? process.env.NNUNET_STORE ?? '.nnunet';
  const dirOf = async (node: string) => {
    const n = record.nodes.find((x) => x.node === node && x.outputs);
    return n ? artifactDir(store, n.outputs!.digest) : null;
  };
  const best = await dirOf(o.node);
  if (!best) return 1;
  const info = parsePythonJson(await readFile(join(best, 'inference_information.json'), 'utf8')) as {
    best_model_or_ensemble: { selected_model_or_models: Array<{ configuration: string }> };
    all_results: Record<string, number>;
  };
  log('| model or ensemble | CV foreground Dice |');
  log('|---|---|');
  for (const [id, r] of Object.entries(info.all_results)) log(`| ${id} | ${r.toFixed(4)} |`);
  log(`chosen: ${info.best_model_or_ensemble.selected_model_or_models.map((m) => m.configuration).join(' + ')}`);
  const pp = await dirOf(o.postprocessNode);
  if (pp && existsSync(join(pp, 'postprocessing.json'))) {
    const j = parsePythonJson(await readFile(join(pp, 'postprocessing.json'), 'utf8')) as {
      postprocessing_kwargs: Array<{ labels_or_regions: unknown }>;
      input_folder: { foreground_mean: { Dice: number } };
      postprocessed: { foreground_mean: { Dice: number } };
    };
    const ops = j.postprocessing_kwargs.map((k) => `keep largest component of ${JSON.stringify(k.labels_or_regions)}`);
    log(`postprocessing: ${ops.length ? ops.join(', ') : 'none'} (Dice ${j.input_folder.foreground_mean.Dice.toFixed(4)} -> ${j.postprocessed.foreground_mean.Dice.toFixed(4)})`);
  }
  log(`inference instructions: ${join(best, 'inference_instructions.txt')}`);
  return record.nodes.some((n) => n.status === 'failed') ? 1 : 0;
}

export function register(program: Command): void {
  program
    .command('find-best')
    .description('choose the best configuration or ensemble on cross-validation Dice (nnUNetv2_find_best_configuration)')
    .argument('<pipeline>', 'pipeline YAML with find-best and postprocess nodes')
    .option('--node <name>', 'find-best node name', 'find_best')
    .option('--postprocess-node <name>', 'postprocess node name', 'postprocess')
    .option('--set <key=value>', 'override a pipeline param (repeatable)', collectSet)
    .option('--train', 'train the folds that are not trained yet (default: refuse, as nnU-Net only reads trained models)')
    .action(async (pipeline: string, opts: Omit<FindBestCommandOptions, 'store' | 'runsDir'>, cmd: Command) => {
      const { store, runsDir } = cmd.optsWithGlobals<{ store?: string; runsDir?: string }>();
      process.exitCode = await findBestCommand(pipeline, { ...opts, store, runsDir }, (l) => process.stdout.write(`${l}\n`));
    });
}
