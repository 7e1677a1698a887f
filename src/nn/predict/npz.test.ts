import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpz, writeNpz } from './npz.js';

const dir = mkdtempSync(join(tmpdir(), 'npz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const python = '/usr/bin/python3';
// Debian's python3 comes in with other packages (slurm-wlm's tools) without numpy; python3-numpy is what counts.
const hasNumpy = existsSync(python) && spawnSync(python, ['-c', 'import numpy']).status === 0;

describe('npz', () => {
  it('round-trips members', async () => {
    const f = join(dir, 'a.npz');
    await writeNpz(f, { probabilities: { data: Float32Array.from([0.25, 0.75, 1, 0]), shape: [2, 2] } });
    const back = await readNpz(f);
    expect(Array.from(back.probabilities.data)).toEqual([0.25, 0.75, 1, 0]);
    expect(back.probabilities.shape).toEqual([2, 2]);
  });
  it.skipIf(!hasNumpy)('is readable by numpy, and reads np.savez_compressed output', async () => {
    const f = join(dir, 'b.npz');
    await writeNpz(f, { probabilities: { data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3] } });
    const seen = execFileSync(python, ['-c',
      `import numpy as np; a=np.load('${f}')['probabilities']; print(a.shape, a.dtype, a.sum())`]).toString().trim();
    expect(seen).toBe('(1, 2, 3) float32 21.0');
    const g = join(dir, 'c.npz');
    execFileSync(python, ['-c', `import numpy as np; np.savez_compressed('${g}', probabilities=np.arange(24, dtype=np.float32).reshape(2, 3, 4))`]);
    const back = await readNpz(g);
    expect(back.probabilities.shape).toEqual([2, 3, 4]);
    expect(back.probabilities.data[23]).toBe(23);
  });
});
