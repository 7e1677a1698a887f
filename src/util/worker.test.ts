import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startWorker } from './worker.js';

describe('startWorker', () => {
  it('runs a TypeScript worker entry (type annotations and .js-suffixed imports of .ts files)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnunet-worker-'));
    writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
    writeFileSync(join(dir, 'double.ts'), 'export const double = (x: number): number => 2 * x;\n');
    writeFileSync(join(dir, 'entry.ts'), [
      "import { parentPort, workerData } from 'node:worker_threads';",
      "import { double } from './double.js';",
      'const n: number = workerData.n;',
      'parentPort!.postMessage(double(n));',
    ].join('\n'));
    const w = startWorker(pathToFileURL(join(dir, 'entry.ts')), { workerData: { n: 21 } });
    const got = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
    expect(got).toBe(42);
  });
});
