/**
 * A tiny engine process for tests that need real processes (SIGKILL, two runs on one store):
 *   node --import tsx test/engine/run-toy.ts   (one process, so SIGKILL hits the engine itself) <pipeline.yaml> <store> <runs>
 * Prints the run status and exits 0 when the run succeeded.
 */
import { runPipeline } from '../../src/engine/index.js';
import { toyKinds } from './toy-kinds.js';

const [pipelineFile, storeDir, runsDir] = process.argv.slice(2);
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());
const rec = await runPipeline({ pipelineFile, storeDir, runsDir, kinds: toyKinds().kinds, quiet: true, signal: ac.signal, concurrency: 2 });
process.stdout.write(`${JSON.stringify({ status: rec.status, nodes: rec.nodes.map((n) => [n.id, n.status]) })}\n`);
process.exit(rec.status === 'succeeded' ? 0 : 1);
