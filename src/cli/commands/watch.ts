/** `nnunet watch <pipeline>`: rerun what is stale whenever the pipeline or an input file changes. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { PipelineError, shortPath, watchPipeline, type WatchCycle } from '../../engine/index.js';
import { formatError } from '../format-error.js';
import { createProgress } from '../progress.js';
import { clusterOptions, collectSet, executorOption, globalDirs, interruptController, recordedRun, summarize } from './run.js';
import { nonNegativeInt, positiveInt } from '../option-parsers.js';

export function formatCycle(c: WatchCycle, runsDir: string): string {
  const lines: string[] = [];
  if (c.changed.length) lines.push(`changed: ${c.changed.map((p) => shortPath(p)).join(', ')}`);
  if (c.aborted.length) lines.push(`aborted (inputs changed while running): ${c.aborted.join(', ')}`);
  if (c.record) {
    const ran = c.record.nodes.filter((n) => n.status === 'ran');
    const failed = c.record.nodes.filter((n) => n.status === 'failed');
    if (c.changed.length && ran.length) lines.push(`reran because of it: ${ran.map((n) => n.id).join(', ')}`);
    else if (c.changed.length && !failed.length) lines.push('nothing to rerun: outputs unchanged');
    if (c.changed.length) for (const n of ran) lines.push(`  ${n.id}: ${(n.why ?? []).join('; ')}`);
    lines.push(summarize(c.record, runsDir));
    // summarize lists what failed; say plainly that watching goes on
    if (failed.length) lines.push(`${failed.length} action(s) failed; still watching: fix the input and save to rerun`);
  }
  if (c.error) lines.push(formatError(c.error), 'waiting for the next change');
  return lines.join('\n');
}

export function register(program: Command): void {
  program.command('watch')
    .description('run, then rerun only what is stale whenever the pipeline file or an input changes (Ctrl-C stops)')
    .argument('<pipeline>', 'pipeline YAML file')
    .argument('[nodes...]', 'only these nodes and what they need')
    .option('--set <key=value>', 'override a param (repeatable)', collectSet)
    .option('-j, --jobs <n>', 'actions running at once', positiveInt)
    .option('--debounce <ms>', 'quiet period after the last change', nonNegativeInt, 500)
    .option('-q, --quiet', 'no live progress')
    .addOption(executorOption())
    .action(async (pipeline: string, nodes: string[], opts: { set?: Record<string, string>; jobs?: number; debounce: number; quiet?: boolean; executor?: 'local' | 'slurm' }, cmd: Command) => {
      // watching a file that is not there would wait for it forever: a typo is an error now
      if (!existsSync(pipeline)) throw new PipelineError('PIPELINE_NOT_FOUND', 'no such pipeline file', { file: pipeline });
      const dirs = globalDirs(cmd);
      const interrupt = interruptController();
      const progress = createProgress(opts.quiet);
      try {
        await watchPipeline({
          pipelineFile: pipeline, kinds, set: opts.set, targets: nodes.length ? nodes : undefined, ...dirs,
          concurrency: opts.jobs, ...clusterOptions(opts.executor), debounceMs: opts.debounce, signal: interrupt.signal,
          ...recordedRun(dirs.runsDir, progress.observer),
          onReady: () => process.stdout.write(`watching ${pipeline} and its inputs\n`),
          onCycle: (c) => process.stdout.write(`${formatCycle(c, dirs.runsDir ?? 'runs')}\n`),
        });
      } finally {
        progress.stop();
        interrupt.dispose();
      }
    });
}
