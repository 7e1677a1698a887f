import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process and captures what it printed. */
export async function cli(args: string[], cwd?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  const before = process.cwd();
  if (cwd) process.chdir(cwd);
  try {
    const code = await main(['node', 'nnunet', ...args]);
    return { code, out, err };
  } finally {
    if (cwd) process.chdir(before);
    o.mockRestore();
    e.mockRestore();
  }
}
