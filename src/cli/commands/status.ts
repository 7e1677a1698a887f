/** `nnunet status <pipeline>`: each action fresh or stale, and exactly why (param, input, item, file). */
import type { Command } from 'commander';
import { kinds } from '../../../nodes/index.js';
import { describeReason, NnunetError, statusPipeline, type StatusReport } from '../../engine/index.js';
import { collectSet, globalDirs } from './run.js';

export function formatStatus(r: StatusReport, verbose = false): string {
  const fresh = r.actions.filter((a) => a.state === 'fresh');
  const stale = r.actions.filter((a) => a.state === 'stale');
  const lines: string[] = [];
  if (verbose) for (const a of fresh) lines.push(`fresh  ${a.id}`);
  for (const a of stale) {
    lines.push(`stale  ${a.id}`);
    for (const reason of a.reasons) lines.push(`         ${describeReason(reason)}`);
  }
  // stale for its upstream alone, an action comes from the cache when the rerun upstream writes the same bytes
  const waiting = stale.filter((a) => a.reasons.length > 0 && a.reasons.every((x) => x.kind === 'upstream')).length;
  lines.push(r.fresh ? `up to date: ${fresh.length} action(s) fresh`
    : `${stale.length} stale${waiting ? ` (${stale.length - waiting} certain, ${waiting} waiting on upstream)` : ''}, ${fresh.length} fresh`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program.command('status')
    .description('say for every action whether it is fresh or stale, and why')
    .argument('<pipeline>', 'pipeline YAML file')
    .argument('[nodes...]', 'only these nodes and what they need')
    .option('--set <key=value>', 'check as if this param were overridden (repeatable)', collectSet)
    .option('-v, --verbose', 'list fresh actions too')
    .option('--json', 'print the report as JSON')
    .option('--exit-code', 'exit 1 when anything is stale (for scripts and CI)')
    .action(async (pipeline: string, nodes: string[], opts: { set?: Record<string, string>; verbose?: boolean; json?: boolean; exitCode?: boolean }, cmd: Command) => {
      const report = await statusPipeline({ pipelineFile: pipeline, kinds, set: opts.set, targets: nodes.length ? nodes : undefined, ...globalDirs(cmd) });
      process.stdout.write(`${opts.json ? JSON.stringify(report, null, 2) : formatStatus(report, opts.verbose)}\n`);
      if (opts.exitCode && !report.fresh) throw new NnunetError('STATUS_STALE', `${report.actions.filter((a) => a.state === 'stale').length} action(s) stale`);
    });
}
