import { execFile } from 'node:child_process';
import { NnunetError } from '../../errors.js';

/** The Slurm commands the executor uses; their output formats are Slurm's documented ones (22.05 and later). */
const TIMEOUT_MS = 60_000;

function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const e = error as (Error & { code?: unknown; killed?: boolean }) | null;
      const code = e ? (typeof e.code === 'number' ? e.code : 127) : 0;
      // say what went wrong with the command itself, not only "Command failed"
      const why = !e || typeof e.code === 'number' ? '' : e.code === 'ENOENT' ? `${cmd}: command not found (install the Slurm client here, or run with --executor local)`
        : e.killed ? `${cmd} did not answer within ${TIMEOUT_MS / 1000} s (is slurmctld reachable?)` : e.message;
      resolve({ code, out: String(stdout), err: [String(stderr).trim(), why].filter(Boolean).join('; ') });
    });
  });
}

/** `sbatch --parsable <script>`: the job id ("id" or "id;cluster"). */
export async function sbatch(script: string): Promise<string> {
  const r = await run('sbatch', ['--parsable', script]);
  // --parsable prints "id[;cluster]"; a wrapper or an older sbatch may print the human line instead
  const id = /^Submitted batch job (\d+)/.exec(r.out.trim())?.[1] ?? r.out.trim().split(';')[0];
  if (r.code !== 0 || !/^\d+$/.test(id)) {
    throw new NnunetError('SLURM_SUBMIT_FAILED', `sbatch ${script} failed: ${(r.err || r.out).trim() || `exit ${r.code}`}`);
  }
  return id;
}

/** Job id -> state of the given jobs that slurmctld still knows (finished ones too, for MinJobAge). */
export async function queueStates(ids: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  if (ids.length === 0) return states;
  const r = await run('squeue', ['-h', '--states=all', '-o', '%i|%T', '-j', ids.join(',')]);
  if (r.code !== 0) {
    // every id already purged from slurmctld: the jobs are over
    if (/Invalid job id/i.test(r.err)) return states;
    throw new NnunetError('SLURM_QUEUE_FAILED', `squeue failed: ${r.err.trim() || `exit ${r.code}`}`);
  }
  for (const line of r.out.split('\n')) {
    const [id, state] = line.trim().split('|');
    if (id && state) states.set(id, state);
  }
  return states;
}

/** `scontrol show job -o <id>` as key=value fields (JobState, ExitCode, Reason, NodeList...), if still known. */
export async function showJob(id: string): Promise<Record<string, string> | undefined> {
  const r = await run('scontrol', ['show', 'job', '-o', id]);
  if (r.code !== 0) return undefined;
  const fields: Record<string, string> = {};
  for (const m of r.out.matchAll(/(\w+)=(\S*)/g)) fields[m[1]] ??= m[2];
  return fields;
}

/**
 * A job slurmctld forgot (after MinJobAge) from the accounting database, where the cluster has one (sacct fails
 * without slurmdbd): the same JobState/ExitCode/NodeList fields as showJob.
 */
export async function accountedJob(id: string): Promise<Record<string, string> | undefined> {
  const r = await run('sacct', ['-n', '-X', '-P', '-j', id, '-o', 'State,ExitCode,NodeList']);
  const [state, exit, nodes] = r.out.trim().split('\n')[0]?.split('|') ?? [];
  if (r.code !== 0 || !state) return undefined;
  // sacct writes "CANCELLED by 0"; scontrol's JobState is the first word
  return { JobState: state.split(' ')[0], ExitCode: exit ?? '', NodeList: nodes ?? '' };
}

export async function scancel(ids: readonly string[]): Promise<void> {
  if (ids.length) await run('scancel', [...ids]);
}

/** The largest node of a partition (or of every partition): what a job may ask for at most. */
export interface PartitionSize {
  cpus: number;
  memMb: number;
  gpus: number;
}

export async function partitionSize(partition?: string): Promise<PartitionSize> {
  const r = await run('sinfo', ['-h', ...(partition ? ['-p', partition] : []), '-o', '%c|%m|%G']);
  if (r.code !== 0 || !r.out.trim()) {
    if (!partition || r.code !== 0) throw new NnunetError('SLURM_NO_PARTITION', `sinfo failed: ${r.err.trim() || 'no nodes'} (is Slurm reachable from here?)`);
    const known = (await run('sinfo', ['-h', '-o', '%R'])).out.split('\n').map((l) => l.trim()).filter(Boolean);
    throw new NnunetError('SLURM_NO_PARTITION', `executor.partition '${partition}': Slurm has no such partition (it has: ${[...new Set(known)].join(', ') || 'none'})`);
  }
  const size: PartitionSize = { cpus: 0, memMb: 0, gpus: 0 };
  for (const line of r.out.trim().split('\n')) {
    const [cpus, mem, gres] = line.split('|');
    size.cpus = Math.max(size.cpus, parseInt(cpus, 10) || 0);
    size.memMb = Math.max(size.memMb, parseInt(mem, 10) || 0);
    // gres like gpu:4, gpu:a100:4 or gpu:a100:4(S:0-1), several comma-separated
    for (const g of (gres ?? '').split(',')) {
      const m = /^gpu(?::[^:(]+)?:(\d+)/.exec(g.trim());
      if (m) size.gpus = Math.max(size.gpus, parseInt(m[1], 10));
    }
  }
  return size;
}
