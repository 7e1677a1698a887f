/** Real engine processes for tests that kill them or run several on one store (see run-toy.ts). */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(process.cwd(), 'test', 'engine', 'run-toy.ts');

export interface ToyProcess {
  child: ChildProcess;
  /** exit code and everything it printed */
  done: Promise<{ code: number | null; out: string }>;
}

/** Starts `run-toy.ts <pipeline> <store> <runs>` with extra environment (TOY_CALLS, TOY_GATE). */
export function startToy(pipeline: string, store: string, runs: string, env: Record<string, string> = {}): ToyProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, pipeline, store, runs], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const done = new Promise<{ code: number | null; out: string }>((r) => child.once('close', (code) => r({ code, out })));
  return { child, done };
}

/** Polls a condition on files another process writes; fails after `ms`. */
export async function waitFor(cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
