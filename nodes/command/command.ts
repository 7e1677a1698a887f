import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { AbortedError, NodeError, type ActionContext, type Json } from '../../src/engine/index.js';
import type { CommandParams } from './params.js';

/** Environment the command sees: inherited, plus its declared `env`, plus where its inputs and output are. */
export function commandEnv(ctx: ActionContext<CommandParams>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...ctx.params.env, NNUNET_OUT: ctx.outDir, NNUNET_SCRATCH: ctx.scratchDir, NNUNET_ACTION: ctx.actionId };
  for (const [name, list] of Object.entries(ctx.inputs)) {
    env[`NNUNET_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = list.map((a) => a.dir).join(delimiter);
  }
  if (ctx.item) {
    env.NNUNET_ITEM_ID = ctx.item.id;
    env.NNUNET_ITEM_DATA = JSON.stringify(ctx.item.data ?? null);
  }
  for (const [k, v] of Object.entries(ctx.matrix)) env[`NNUNET_MATRIX_${k.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] = String(v);
  return env;
}

/** Runs the command, streams its output lines to the action log, and copies its declared outs. */
export async function runCommand(ctx: ActionContext<CommandParams>): Promise<{ metrics?: Record<string, Json> }> {
  const { run, cwd, outs } = ctx.params;
  const [file, args, shell] = typeof run === 'string' ? ['/bin/sh', ['-c', run], true] : [run[0], run.slice(1), false];
  // Own process group, so an abort stops the whole command (a shell's children hold its output pipes open).
  const child = spawn(file, args, { cwd, env: commandEnv(ctx), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (l) => {
      ctx.log(l);
      tail.push(l);
      if (tail.length > 20) tail.shift();
    });
  }
  const onAbort = (): void => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) => reject(new NodeError('COMMAND_NOT_STARTED', `cannot start ${shell ? 'shell' : file}: ${err.message}`, { node: ctx.actionId }, { cause: err })));
    child.once('close', (c) => resolve(c));
  }).finally(() => ctx.signal.removeEventListener('abort', onAbort));
  if (ctx.signal.aborted) throw new AbortedError();
  if (code !== 0) {
    throw new NodeError('COMMAND_FAILED', `command exited with ${code ?? 'a signal'}${tail.length ? `: ${tail.slice(-3).join(' | ')}` : ''}`, { node: ctx.actionId });
  }
  const missing: string[] = [];
  for (const out of outs) {
    const src = join(cwd, out);
    if (!(await stat(src).catch(() => undefined))) missing.push(out);
    else {
      await mkdir(dirname(join(ctx.outDir, out)), { recursive: true });
      await cp(src, join(ctx.outDir, out), { recursive: true });
    }
  }
  if (missing.length) throw new NodeError('COMMAND_OUTPUT_MISSING', `command did not write declared out(s): ${missing.join(', ')} (in ${cwd})`, { node: ctx.actionId });
  if (!ctx.params.metrics) return {};
  try {
    return { metrics: JSON.parse(await readFile(join(cwd, ctx.params.metrics), 'utf8')) as Record<string, Json> };
  } catch (cause) {
    throw new NodeError('COMMAND_METRICS_INVALID', `metrics file ${ctx.params.metrics} is missing or not JSON`, { node: ctx.actionId }, { cause });
  }
}
