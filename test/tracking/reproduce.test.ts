/** reproduceRun on toy kinds: a deterministic pipeline comes out bit-identical; a non-deterministic action is named. */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runPipeline, type NodeKind } from '../../src/engine/index.js';
import { formatReproduce, reproduceRun } from '../../src/tracking/reproduce.js';
import { makeProject, TOY_PIPELINE, type Project } from '../engine/fixture.js';
import { toyKinds } from '../engine/toy-kinds.js';

let p: Project | undefined;
afterEach(async () => p?.cleanup());

/** Writes random bytes: the stand-in for an unseeded training. */
const noisy: NodeKind<Record<string, never>> = {
  kind: 'noisy', version: '1', description: 'random output', params: { type: 'object', properties: {} },
  async run(ctx) {
    const v = randomBytes(4).readUInt32LE(0) / 2 ** 32;
    await writeFile(join(ctx.outDir, 'noise.txt'), String(v));
    return { metrics: { value: v } };
  },
};

describe('reproduceRun', () => {
  it('reruns with the recorded params in a fresh store and finds every output bit-identical', async () => {
    p = await makeProject();
    const toy = toyKinds();
    const original = await runPipeline({ pipelineFile: p.pipeline, kinds: toy.kinds, storeDir: p.store, runsDir: p.runs, quiet: true, set: { sep: '"#"' } });
    // the file changes after the run: reproduce must use the recorded text and params, not the file
    await p.write('pipeline.yaml', TOY_PIPELINE.replace('sep: "|"', 'sep: "?"'));
    toy.reset();
    const fresh = join(p.root, 'fresh');
    const report = await reproduceRun(original, { kinds: toy.kinds, storeDir: fresh, runsDir: p.runs });
    expect(toy.calls).toHaveLength(8); // nothing came from a cache
    expect(report.rerun.status).toBe('succeeded');
    expect(report.rerun.params).toEqual(original.params);
    expect(report.identical).toHaveLength(8);
    expect(report.differing).toEqual([]);
    expect(report.metrics).toEqual([]);
    expect(report.rerun.tags).toContain('reproduce');
    expect(formatReproduce(report)).toContain('bit-identical outputs: 8 of 8 actions');

    await expect(reproduceRun(original, { kinds: toy.kinds, storeDir: fresh, runsDir: p.runs }))
      .rejects.toMatchObject({ code: 'REPRODUCE_STORE_NOT_FRESH', context: { file: fresh } });
  });

  it('names the actions whose outputs and metrics differ, and warns about the code version', async () => {
    p = await makeProject({}, 'version: 1\nname: noisy\nnodes:\n  a: { uses: noisy }\n');
    const kinds = { noisy };
    const original = await runPipeline({ pipelineFile: p.pipeline, kinds, storeDir: p.store, runsDir: p.runs, quiet: true });
    const recorded = { ...original, git: { commit: '0'.repeat(40), dirty: false } };
    const report = await reproduceRun(recorded, { kinds, runsDir: p.runs });
    expect(report.identical).toEqual([]);
    expect(report.differing.map((d) => d.id)).toEqual(['a']);
    expect(report.differing[0].files).toEqual({ identical: 0, differ: ['noise.txt'], onlyOne: [] });
    expect(report.metrics.map((m) => `${m.id} ${m.key}`)).toEqual(['a value']);
    expect(report.code.warning).toMatch(/^code version differs: recorded 0{40}, now /);
    expect(report.storeKept).toBe(false);
    const text = formatReproduce(report);
    expect(text).toMatch(/^warning: code version differs/);
    expect(text).toContain('  differs  a: ');
    expect(text).toContain('(0 file(s) identical; differ: noise.txt)');
  });
});
