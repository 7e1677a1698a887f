import { runPipeline } from '/work/wt/robust/src/engine/index.ts';
import { makeProject } from '/work/wt/robust/test/engine/fixture.ts';
import { toyKinds } from '/work/wt/robust/test/engine/toy-kinds.ts';
const p = await makeProject();
const r = await runPipeline({ pipelineFile: p.pipeline, kinds: toyKinds().kinds, storeDir: p.store, runsDir: p.runs, quiet: true });
console.log(r.nodes.map((n) => n.id));
await p.cleanup();
