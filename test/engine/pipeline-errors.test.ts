import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPlan, PipelineError } from '../../src/engine/index.js';
import { cli } from './cli-harness.js';
import { makeProject, type Project } from './fixture.js';
import { toyKinds } from './toy-kinds.js';

let p: Project;
beforeEach(async () => { p = await makeProject({}); });
afterEach(() => p.cleanup());

async function planError(text: string): Promise<PipelineError> {
  await p.write('pipeline.yaml', text);
  try {
    await buildPlan({ pipelineFile: p.pipeline, kinds: toyKinds().kinds });
  } catch (e) {
    if (e instanceof PipelineError) return e;
    throw e;
  }
  throw new Error('expected a PipelineError');
}

describe('pipeline errors name file, line, column and path', () => {
  it('malformed YAML', async () => {
    const e = await planError('version: 1\nnodes:\n  a: { uses: value, with: { value: 1 }\n  b: [\n');
    expect(e.code).toBe('PIPELINE_YAML');
    expect(e.issues[0]).toMatchObject({ file: p.pipeline, line: 4 });
  });

  it('schema messages in plain words: a wrong version, no nodes', async () => {
    const e = await planError('version: 2\nnodes: {}\n');
    expect(e.issues.map((i) => [i.path, i.line, i.message])).toEqual([['/version', 1, 'must be 1'], ['/nodes', 2, 'must not be empty']]);
  });

  it('schema violations: every unknown key and wrong type at once', async () => {
    const e = await planError(['version: 1', 'nodes:', '  a:', '    uses: value', '    bogus: 1', '    needs: 5', '    with: { value: 1 }'].join('\n'));
    expect(e.code).toBe('PIPELINE_SCHEMA');
    expect(e.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: '/nodes/a/bogus', line: 5, column: 5, message: "unknown key 'bogus'" }),
      expect.objectContaining({ path: '/nodes/a/needs', line: 6, column: 12, message: 'must be a list of node names or a map input -> node (or list of nodes)' }),
    ]));
  });

  it('node params are checked against the kind schema, naming the key', async () => {
    const e = await planError('version: 1\nnodes:\n  a: { uses: value, with: { value: 1, delayMs: -1, colour: red } }\n');
    expect(e.issues.map((i) => [i.code, i.path, i.line, i.column, i.message])).toEqual([
      ['PIPELINE_PARAMS', '/nodes/a/with/delayMs', 3, 48, 'a: must be >= 0, got -1'],
      ['PIPELINE_PARAMS', '/nodes/a/with/colour', 3, 52, "a: unknown key 'colour'"],
    ]);
  });

  it('cycles name the nodes in the loop', async () => {
    const e = await planError('version: 1\nnodes:\n  a: { uses: concat, needs: [c] }\n  b: { uses: concat, needs: [a] }\n  c: { uses: concat, needs: [b] }\n');
    expect(e.code).toBe('PIPELINE_CYCLE');
    expect(e.message).toBe('cycle between nodes: a -> c -> b -> a');
    expect(e.issues[0]).toMatchObject({ line: 3, path: '/nodes/a/needs' });
  });

  it('unknown kinds, needs, references, and empty matrices are all reported together', async () => {
    const e = await planError([
      'version: 1', 'params: { list: [] }', 'nodes:',
      '  a: { uses: nope }',
      '  b: { uses: concat, needs: [ghost] }',
      '  c: { uses: value, matrix: { x: ${params.list} }, with: { value: 1 } }',
      '  d: { uses: value, with: { value: ${params.missing} } }',
      '  e: { uses: value, matrix: { x: [1] }, with: { value: "${matrix.y}" } }',
    ].join('\n'));
    expect(e.code).toBe('PIPELINE_INVALID');
    expect(e.issues.map((i) => [i.code, i.line])).toEqual([
      ['PIPELINE_UNKNOWN_KIND', 4], ['PIPELINE_UNKNOWN_NEED', 5], ['PIPELINE_EMPTY_MATRIX', 6],
      ['PIPELINE_UNKNOWN_REF', 7], ['PIPELINE_UNKNOWN_REF', 8],
    ]);
    expect(e.issues[2].message).toBe("matrix 'c.x' is empty: node 'c' would have no actions");
    expect(e.issues[3].message).toBe("unknown reference '${params.missing}'");
  });

  it('the CLI prints file:line:col  path  message [CODE] and exits 2', async () => {
    await p.write('pipeline.yaml', 'version: 1\nnodes:\n  a: { uses: command, with: { run: true, colour: red } }\n');
    const r = await cli(['run', p.pipeline, '--quiet', '--store', p.store, '--runs-dir', p.runs], p.root);
    expect(r.code).toBe(2);
    expect(r.err).toBe([
      '2 problems in the pipeline:',
      "pipeline.yaml:3:36  /nodes/a/with/run  a: must be string or array, got true [PIPELINE_PARAMS]",
      "pipeline.yaml:3:42  /nodes/a/with/colour  a: unknown key 'colour' [PIPELINE_PARAMS]",
      '',
    ].join('\n'));
    const missing = await cli(['run', `${p.root}/nope.yaml`], p.root);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('[PIPELINE_NOT_FOUND]');
    const unknownParam = await cli(['status', p.pipeline, '--set', 'x.y=1'], p.root);
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.err).toContain('--set x.y: no such param in the params block [PIPELINE_UNKNOWN_PARAM]');
  });

  it('a bad value given with --set names the value and where it came from; anyOf branches fold into one message', async () => {
    await p.write('pipeline.yaml', [
      'version: 1',
      'params: { epochs: 3, fold: 0 }',
      'nodes:',
      '  t: { uses: train-fold, with: { configuration: 2d, fold: "${params.fold}", epochs: "${params.epochs}", preprocessed: x } }',
    ].join('\n'));
    const r = await cli(['status', p.pipeline, '--set', 'epochs=abc', '--set', 'fold=x'], p.root);
    expect(r.code).toBe(2);
    expect(r.err).toContain('t: must be integer, got "abc" (from params.epochs, given with --set) [PIPELINE_PARAMS]');
    expect(r.err).toContain('t: must be integer or "all", got "x" (from params.fold, given with --set) [PIPELINE_PARAMS]');
    expect(r.err).not.toContain('anyOf');
  });

  it('a pipeline path that is too large, a folder or a FIFO is refused before it is read', async () => {
    const { MAX_PIPELINE_BYTES } = await import('../../src/engine/pipeline/load.js');
    await p.write('big.yaml', `version: 1\nnodes:\n  a: { uses: value, with: { value: 1 } }\n${'#'.repeat(MAX_PIPELINE_BYTES)}\n`);
    const big = await cli(['status', join(p.root, 'big.yaml')], p.root);
    expect(big.code).toBe(2);
    expect(big.err).toMatch(/big\.yaml.*MiB; such a file may hold at most 16\.0 MiB \[PIPELINE_TOO_LARGE\]/);
    await mkdir(join(p.root, 'dir.yaml'));
    const dir = await cli(['status', join(p.root, 'dir.yaml')], p.root);
    expect(dir.err).toContain('it is a folder, not a file [PIPELINE_NOT_TEXT]');
    execFileSync('mkfifo', [join(p.root, 'fifo.yaml')]);
    const fifo = await cli(['status', join(p.root, 'fifo.yaml')], p.root);
    expect(fifo.code).toBe(2);
    expect(fifo.err).toContain('it is not a regular file (a FIFO, socket or device) [PIPELINE_NOT_TEXT]');
  });

  it('an output folder option that names a file is refused before anything runs, every one named', async () => {
    await p.write('pipeline.yaml', 'version: 1\nnodes:\n  a: { uses: value, with: { value: 1 } }\n');
    await p.write('afile', 'x');
    const file = join(p.root, 'afile');
    const r = await cli(['--store', file, '--runs-dir', join(file, 'runs'), 'status', p.pipeline], p.root);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--store ${file}: is a file, not a folder [CLI_NOT_A_FOLDER]`);
    expect(r.err).toContain(`--runs-dir ${file}/runs: ${file} is a file, so no folder can be made below it [CLI_NOT_A_FOLDER]`);
    const plan = await cli(['plan', join(p.root, 'nowhere'), '--out', file], p.root);
    expect(plan.code).toBe(2);
    expect(plan.err).toContain(`--out ${file}: is a file, not a folder`);
    expect(existsSync(join(p.root, '.nnunet'))).toBe(false);
  });
});
