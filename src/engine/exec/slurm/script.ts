import type { JobResources } from '../../types.js';
import type { PartitionSize } from './cli.js';

export interface ScriptOptions {
  actionId: string;
  resources: JobResources;
  /** the largest node the job may land on: requests are capped to it, GPUs asked for only where there are some */
  size: PartitionSize;
  partition?: string;
  account?: string;
  sbatchArgs?: readonly string[];
  /** sbatch --output (with %j) */
  log: string;
  /** working directory of the job (the driver's: relative paths in the prepared action stay valid) */
  cwd: string;
  /** the whole command line the job runs: `<node> <nnunet> exec <store> <key>` */
  command: readonly string[];
}

export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The sbatch script of one action: pure, so `--dry-run` prints exactly what would be submitted. */
export function sbatchScript(o: ScriptOptions): string {
  const r = o.resources;
  const lines = ['#!/bin/bash', `#SBATCH --job-name=nnunet:${o.actionId.replace(/[^\w.:=,[\]-]/g, '_')}`, `#SBATCH --output=${o.log}`];
  const cpus = Math.min(r.cpus ?? 1, Math.max(1, o.size.cpus));
  lines.push(`#SBATCH --cpus-per-task=${cpus}`);
  if (r.mem_gb !== undefined) {
    const mb = Math.ceil(r.mem_gb * 1024);
    lines.push(`#SBATCH --mem=${o.size.memMb > 0 ? Math.min(mb, o.size.memMb) : mb}M`);
  }
  const gpus = Math.min(r.gpus ?? 0, o.size.gpus);
  if (gpus > 0) lines.push(`#SBATCH --gres=gpu:${gpus}`);
  if (r.time) lines.push(`#SBATCH --time=${r.time}`);
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  for (const a of o.sbatchArgs ?? []) lines.push(`#SBATCH ${a}`);
  lines.push(
    // scancel and the time limit send SIGTERM first: `nnunet exec` then saves a checkpoint and exits
    `cd ${shellQuote(o.cwd)}`,
    `exec ${o.command.map(shellQuote).join(' ')}`,
    '',
  );
  return lines.join('\n');
}
