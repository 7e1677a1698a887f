import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ActionContext } from '../../src/engine/index.js';
import { runCommand } from './command.js';
import type { CommandParams } from './params.js';
import { command } from './index.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'nnunet-command-')); await mkdir(join(dir, 'out')); });
afterEach(() => rm(dir, { recursive: true, force: true }));

function ctx(params: Partial<CommandParams>, signal = new AbortController().signal): ActionContext<CommandParams> & { lines: string[] } {
  const lines: string[] = [];
  return {
    params: { run: 'true', deps: [], outs: [], cwd: dir, env: {}, ...params },
    inputs: { prep: [{ action: 'prep', node: 'prep', digest: 'd', dir: '/in/prep', matrix: {}, items: [], metrics: {} }] },
    input: () => { throw new Error('unused'); },
    item: { id: 'case_1', digest: 'x', data: { image: 'a.nii' } }, matrix: { fold: 2 },
    outDir: join(dir, 'out'), scratchDir: join(dir, 'scratch'), external: {}, signal,
    progress: () => undefined, log: (l) => lines.push(l), actionId: 'cmd[fold=2,case=case_1]', lines,
  };
}

describe('command kind', () => {
  it('declares its deps as external inputs', () => {
    expect(command.externalInputs!({ run: 'x', deps: ['/a', '/b'], outs: [], cwd: '.', env: {} })).toEqual(['/a', '/b']);
  });

  it('sees its inputs, item, matrix and env; logs output; copies outs; reads metrics', async () => {
    const c = ctx({
      run: 'echo "$NNUNET_INPUT_PREP $NNUNET_ITEM_ID $NNUNET_MATRIX_FOLD $GREETING"; mkdir -p res; echo 1 > res/x.txt; echo \'{"dice":0.5}\' > m.json',
      env: { GREETING: 'hi' }, outs: ['res'], metrics: 'm.json',
    });
    const r = await runCommand(c);
    expect(c.lines).toEqual(['/in/prep case_1 2 hi']);
    expect(await readFile(join(dir, 'out', 'res', 'x.txt'), 'utf8')).toBe('1\n');
    expect(r.metrics).toEqual({ dice: 0.5 });
  });

  it('runs an argv list without a shell', async () => {
    const c = ctx({ run: ['node', '-e', 'console.log(process.argv.length, "$HOME")'] });
    await runCommand(c);
    expect(c.lines).toEqual(['1 $HOME']);
  });

  it('fails with the exit code and last output lines, or names missing outs', async () => {
    await expect(runCommand(ctx({ run: 'echo boom >&2; exit 4' }))).rejects.toMatchObject({ code: 'COMMAND_FAILED', message: 'command exited with 4: boom' });
    await expect(runCommand(ctx({ run: 'true', outs: ['a.txt', 'b.txt'] }))).rejects.toMatchObject({ code: 'COMMAND_OUTPUT_MISSING' });
    await writeFile(join(dir, 'bad.json'), 'nope');
    await expect(runCommand(ctx({ run: 'true', metrics: 'bad.json' }))).rejects.toMatchObject({ code: 'COMMAND_METRICS_INVALID' });
  });

  it('is killed when the action is aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const pending = runCommand(ctx({ run: 'sleep 10' }, ac.signal));
    setTimeout(() => ac.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe('an attempt after a killed one', () => {
  it('stops the command the killed attempt left running, and nothing else', async () => {
    // what a SIGKILLed run leaves: its command's process group, noted in the action's scratch folder
    const orphan = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const start = (await readFile(`/proc/${orphan.pid}/stat`, 'utf8')).split(') ')[1].split(' ')[19];
    await mkdir(join(dir, 'scratch'), { recursive: true });
    await writeFile(join(dir, 'scratch', 'command-group.json'), JSON.stringify({ pgid: orphan.pid, start }));
    const exited = new Promise((r) => orphan.once('exit', r));
    const c = ctx({ run: 'echo second' });
    await runCommand(c);
    await exited;
    expect(c.lines).toEqual([`stopping process group ${orphan.pid}, left running by a killed attempt of this action`, 'second']);
    // a note naming a recycled pid (other start time) is not acted on
    const other = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await writeFile(join(dir, 'scratch', 'command-group.json'), JSON.stringify({ pgid: other.pid, start: 'not-its-start' }));
    await runCommand(ctx({ run: 'true' }));
    expect(other.exitCode).toBeNull();
    other.kill('SIGKILL');
  });
});

describe('command params', () => {
  it('reject outs and metrics paths that leave the working directory', async () => {
    const { buildPlan } = await import('../../src/engine/index.js');
    const text = 'version: 1\nnodes:\n  c: { uses: command, with: { run: x, outs: [../up.txt, ok.txt], metrics: /etc/m.json } }\n';
    await expect(buildPlan({ pipelineText: text, kinds: { command } })).rejects.toMatchObject({
      issues: [{ path: '/nodes/c/with/outs/0' }, { path: '/nodes/c/with/metrics' }],
    });
  });
});
