/** One input gathering the actions of several nodes: `needs: { runs: [a, b] }`. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPlan, PipelineError, runPipeline, statusPlan, type NodeKind, type RunOptions } from '../../src/engine/index.js';
import { dagDot, dagMermaid, dagText } from '../../src/cli/commands/dag.js';
import { dagNodes } from '../../src/report/dag.js';
import { makeProject, type Project } from './fixture.js';
import { toyKinds, type Toy } from './toy-kinds.js';

let p: Project;
let toy: Toy;
beforeEach(() => { toy = toyKinds(); });
afterEach(() => p.cleanup());

const PIPE = `version: 1
name: gather
params: { configs: [2d, 3d], low: lo }
nodes:
  fit:  { uses: value, matrix: { configuration: "\${params.configs}" }, with: { value: "fit-\${matrix.configuration}" } }
  low:  { uses: value, matrix: { configuration: [low] }, with: { value: "\${params.low}" } }
  eval: { uses: concat, needs: { runs: [fit, low] }, matrix: { configuration: [2d, low] } }
  best: { uses: concat, needs: { runs: [fit, low], extra: low } }
`;

async function setup(pipeline: string): Promise<(extra?: Partial<RunOptions>) => ReturnType<typeof runPipeline>> {
  p = await makeProject({}, pipeline);
  return (extra = {}) => runPipeline({ pipelineFile: p.pipeline, kinds: toy.kinds, storeDir: p.store, runsDir: p.runs, quiet: true, ...extra });
}

describe('a map need that names several nodes', () => {
  it('gives the input the actions of all of them, each matched on its own matrix', async () => {
    const run = await setup(PIPE);
    const seen: Record<string, Record<string, string[]>> = {};
    const concat = toy.kinds.concat as NodeKind;
    toy.kinds.concat = { ...concat, run: (ctx) => {
      seen[ctx.actionId] = Object.fromEntries(Object.entries(ctx.inputs).map(([k, list]) => [k, list.map((a) => a.action)]));
      return concat.run(ctx);
    } };
    const r = await run();
    expect(r.status).toBe('succeeded');
    expect(seen['eval[configuration=2d]']).toEqual({ runs: ['fit[configuration=2d]'] });
    expect(seen['eval[configuration=low]']).toEqual({ runs: ['low[configuration=low]'] });
    expect(seen.best).toEqual({ runs: ['fit[configuration=2d]', 'fit[configuration=3d]', 'low[configuration=low]'], extra: ['low[configuration=low]'] });
    const key = r.nodes.find((n) => n.id === 'best')!;
    expect(key.status).toBe('ran');
    expect(dagNodes(r).find((n) => n.name === 'best')!.needs).toEqual(['fit', 'low']);
  });

  it('the action key holds every gathered digest: a change in either node reruns the gatherer', async () => {
    const run = await setup(PIPE);
    await run();
    toy.reset();
    const st = await statusPlan(await buildPlan({ pipelineFile: p.pipeline, kinds: toy.kinds, set: { low: 'LO' } }), { storeDir: p.store });
    expect(st.actions.filter((a) => a.state === 'stale').map((a) => a.id)).toEqual(['low[configuration=low]', 'eval[configuration=low]', 'best']);
    await run({ set: { low: 'LO' } });
    expect(toy.calls).toEqual(['low[configuration=low]', 'eval[configuration=low]', 'best']);
    toy.reset();
    await run({ set: { low: 'LO', configs: '[2d, 3d, 4d]' } });
    expect(toy.calls).toEqual(['fit[configuration=4d]', 'best']);
  });

  it('dag shows the gathered nodes under one input', async () => {
    p = await makeProject({}, PIPE);
    const plan = await buildPlan({ pipelineFile: p.pipeline, kinds: toy.kinds });
    expect(dagText(plan).split('\n').slice(2)).toEqual([
      'eval (concat) <- runs=[fit, low]  [2x matrix(configuration)]',
      'best (concat) <- runs=[fit, low], extra=low',
    ]);
    expect(dagDot(plan)).toContain('"low" -> "best" [label="runs"];');
    expect(dagMermaid(plan)).toContain('fit -->|runs| best');
  });

  it('an unknown node in the list is named with its line and column; fan-out over a gathered input is refused', async () => {
    p = await makeProject({}, PIPE.replace('runs: [fit, low], extra', 'runs: [fit, ghost], extra')
      .replace('  eval: { uses: concat, needs: { runs: [fit, low] }', '  eval: { uses: concat, needs: { runs: [fit, low] }, foreach: runs'));
    const e = await buildPlan({ pipelineFile: p.pipeline, kinds: toy.kinds }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(PipelineError);
    const issues = (e as PipelineError).issues.map((i) => ({ code: i.code, line: i.line, column: i.column, path: i.path }));
    expect(issues).toEqual([
      { code: 'PIPELINE_FOREACH_MULTIPLE', line: 7, column: 63, path: '/nodes/eval/foreach' },
      { code: 'PIPELINE_UNKNOWN_NEED', line: 8, column: 46, path: '/nodes/best/needs/runs/1' },
    ]);
    p.cleanup();
    p = await makeProject({}, PIPE.replace('needs: { runs: [fit, low], extra: low }', 'needs: { runs: [] }'));
    const empty = await buildPlan({ pipelineFile: p.pipeline, kinds: toy.kinds }).then(() => undefined, (x: unknown) => x) as PipelineError;
    expect(empty.code).toBe('PIPELINE_SCHEMA');
    expect(empty.issues[0]).toMatchObject({ path: '/nodes/best/needs', line: 8 });
  });
});
