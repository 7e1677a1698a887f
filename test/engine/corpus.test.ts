/**
 * The engine's corpus of broken and hostile pipeline files (issue 17), each through the real CLI entry:
 * the expected exit code (2 for bad pipeline input, before anything runs), the error code and message, the
 * file named with line:column where it has one, one line where a cascade used to follow, never [INTERNAL].
 * Every case must finish within the test timeout: a hang or a blow-up fails it.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-harness.js';

interface Case {
  file: string;
  exit: number;
  code?: string;
  message?: string;
  line?: number;
  lines?: number[];
  command?: string;
  args?: string[];
  set?: string[];
  env?: Record<string, string>;
  oneLine?: boolean;
  maxErrBytes?: number;
}

const CORPUS = new URL('./corpus/', import.meta.url).pathname;
const { cases } = JSON.parse(await readFile(join(CORPUS, 'cases.json'), 'utf8')) as { cases: Case[] };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nnunet-corpus-'));
  await cp(CORPUS, join(dir, 'p'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('hostile and broken pipeline files', () => {
  it.each(cases.map((c, i) => [`${c.file} ${[...(c.args ?? []), ...(c.set ?? []).map((s) => `--set ${s}`), ...Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`)].join(' ')} #${i}`, c] as const))('%s', async (_name, c) => {
    const saved = Object.fromEntries(Object.keys(c.env ?? {}).map((k) => [k, process.env[k]]));
    Object.assign(process.env, c.env);
    try {
      const r = await cli([...(c.args ?? []), c.command ?? 'status', join(dir, 'p', c.file), ...(c.set ?? []).flatMap((s) => ['--set', s]),
        '--store', join(dir, 'store'), '--runs-dir', join(dir, 'runs'), ...(c.command === 'run' ? ['-q'] : [])], join(dir, 'p'));
      expect(r.err).not.toContain('[INTERNAL]');
      expect(r.code, r.err).toBe(c.exit);
      if (c.code) expect(r.err).toContain(`[${c.code}]`);
      if (c.message) expect(r.err).toContain(c.message);
      const lines = c.line !== undefined ? [c.line] : c.lines ?? [];
      for (const line of lines) expect(r.err).toMatch(new RegExp(`(^|\\s)${c.file.replace('.', '\\.')}:${line}:\\d+ `, 'm'));
      if (lines.length === 0 && c.exit === 2) expect(r.err).toContain(c.file);
      if (c.oneLine) expect(r.err.trim().split('\n')).toHaveLength(1);
      if (c.maxErrBytes) expect(r.err.length).toBeLessThan(c.maxErrBytes);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  }, 20_000);
});
