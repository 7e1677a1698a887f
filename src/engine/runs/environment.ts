import { execFile } from 'node:child_process';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Facts about the machine a run used; they go in run records, never in hashed content. */
export function machineEnvironment(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version, os: `${platform()} ${release()}`, arch: arch(),
    cpu: cpu[0]?.model ?? 'unknown', cpus: cpu.length, memoryBytes: totalmem(),
  };
}

/** The project's git commit and whether the tree has uncommitted changes; undefined outside a repository. */
export async function gitState(cwd: string): Promise<{ commit: string; dirty: boolean } | undefined> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', 'HEAD'], { cwd });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd });
    return { commit: commit.trim(), dirty: status.trim().length > 0 };
  } catch {
    return undefined;
  }
}
