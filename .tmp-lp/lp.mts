import { readFileSync } from 'node:fs';
import { parseYaml } from '/work/wt/robust/src/engine/pipeline/load.ts';
import { buildPlan } from '/work/wt/robust/src/engine/index.ts';
import { kinds } from '/work/wt/robust/nodes/index.ts';
const f = process.argv[2];
const text = readFileSync(f, 'utf8');
let t = performance.now();
parseYaml(text, f);
console.log('parse', (performance.now() - t).toFixed(0));
t = performance.now();
try { await buildPlan({ pipelineFile: f, kinds }); } catch (e) { console.log(String(e).slice(0, 200)); }
console.log('plan', (performance.now() - t).toFixed(0));
