import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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

/** Where an attempt notes its process group: a run killed with SIGKILL cannot stop it, so the next attempt does. */
const GROUP_FILE = 'command-group.json';

/** A process's start time (/proc/<pid>/stat field 22), so a recycled pid is never mistaken for the command. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const groupAlive = (pgid: number): boolean => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops the command a killed attempt of this action left running, so the two never write at once. */
async function stopLeftOver(ctx: ActionContext<CommandParams>): Promise<void> {
  const file = join(ctx.scratchDir, GROUP_FILE);
  let noted: { pgid?: unknown; start?: unknown };
  try {
    noted = JSON.parse(await readFile(file, 'utf8')) as { pgid?: unknown; start?: unknown };
  } catch {
    return;
  }
  const pgid = noted.pgid;
  if (typeof pgid === 'number' && Number.isInteger(pgid) && pgid > 1 && typeof noted.start === 'string' && startTime(pgid) === noted.start && groupAlive(pgid)) {
    ctx.log(`stopping process group ${pgid}, left running by a killed attempt of this action`);
    process.kill(-pgid, 'SIGKILL');
    for (let i = 0; i < 50 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 40));
  }
  await rm(file, { force: true });
}

/** Runs the command, streams its output lines to the action log, and copies its declared outs. */
export async function runCommand(ctx: ActionContext<CommandParams>): Promise<{ metrics?: Record<string, Json> }> {
  const { run, cwd, outs } = ctx.params;
  const [file, args, shell] = typeof run === 'string' ? ['/bin/sh', ['-c', run], true] : [run[0], run.slice(1), false];
  await stopLeftOver(ctx);
  // Own process group, so an abort stops the whole command (a shell's children hold its output pipes open).
  const child = spawn(file, args, { cwd, env: commandEnv(ctx), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const start = child.pid ? startTime(child.pid) : undefined;
  // listened to before anything is awaited: a quick command closes before the next tick
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) => reject(new NodeError('COMMAND_NOT_STARTED', `cannot start ${shell ? 'shell' : file}: ${err.message}`, { node: ctx.actionId }, { cause: err })));
    child.once('close', (c) => resolve(c));
  });
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
  // without a start time (no /proc) a noted pid could be recycled by then: nothing is noted
  const noted = child.pid && start ? mkdir(ctx.scratchDir, { recursive: true })
    .then(() => writeFile(join(ctx.scratchDir, GROUP_FILE), JSON.stringify({ pgid: child.pid, start }))) : Promise.resolve();
  const code = await closed.finally(async () => {
    await noted.catch(() => undefined);
    ctx.signal.removeEventListener('abort', onAbort);
    await rm(join(ctx.scratchDir, GROUP_FILE), { force: true });
  });
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
