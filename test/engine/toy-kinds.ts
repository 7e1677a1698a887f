/** Small node kinds for engine tests: real files on disk, every execution counted. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NodeError, type KindRegistry, type NodeKind } from '../../src/engine/index.js';

export interface Toy {
  kinds: KindRegistry;
  /** action ids in execution order */
  calls: string[];
  /** clear the call log */
  reset(): void;
}

const sha = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');

export function toyKinds(): Toy {
  const calls: string[] = [];
  const files: NodeKind<{ dir: string }> = {
    kind: 'files', version: '1', description: 'lists the files of a folder as items',
    params: { type: 'object', required: ['dir'], properties: { dir: { type: 'string', format: 'path' } } },
    externalInputs: (p) => [p.dir],
    async run(ctx) {
      calls.push(ctx.actionId);
      const names = (await readdir(ctx.params.dir)).sort();
      const items = await Promise.all(names.map(async (n) => ({
        id: n.replace(/\.txt$/, ''), digest: sha(await readFile(join(ctx.params.dir, n))), data: { path: join(ctx.params.dir, n) },
      })));
      await writeFile(join(ctx.outDir, 'list.json'), JSON.stringify(items));
      return { items, itemLabel: 'case' };
    },
  };
  const upper: NodeKind<{ suffix: string }> = {
    kind: 'upper', version: '1', description: 'upper-cases one item file', foreach: 'src',
    params: { type: 'object', properties: { suffix: { type: 'string', default: '' } } },
    async run(ctx) {
      calls.push(ctx.actionId);
      const text = await readFile((ctx.item!.data as { path: string }).path, 'utf8');
      await writeFile(join(ctx.outDir, 'out.txt'), text.toUpperCase() + ctx.params.suffix);
      return { metrics: { chars: text.length } };
    },
  };
  const length: NodeKind<Record<string, never>> = {
    kind: 'length', version: '1', description: 'writes the length class of its single input (short/long)',
    params: { type: 'object', properties: {} },
    async run(ctx) {
      calls.push(ctx.actionId);
      const text = await readFile(join(ctx.input('src').dir, 'out.txt'), 'utf8');
      await writeFile(join(ctx.outDir, 'class.txt'), text.length > 5 ? 'long' : 'short');
    },
  };
  const concat: NodeKind<{ sep: string }> = {
    kind: 'concat', version: '1', description: 'joins every input artifact',
    params: { type: 'object', properties: { sep: { type: 'string', default: '\n' } } },
    async run(ctx) {
      calls.push(ctx.actionId);
      const parts: string[] = [];
      for (const list of Object.values(ctx.inputs)) {
        for (const a of list) {
          for (const f of (await readdir(a.dir)).sort()) parts.push(await readFile(join(a.dir, f), 'utf8'));
        }
      }
      await writeFile(join(ctx.outDir, 'all.txt'), parts.join(ctx.params.sep));
      return { metrics: { parts: parts.length } };
    },
  };
  const value: NodeKind<{ value: string | number; fail?: boolean; delayMs?: number }> = {
    kind: 'value', version: '1', description: 'writes its param (optionally failing or slow)',
    params: {
      type: 'object', required: ['value'],
      properties: { value: { type: ['string', 'number'] }, fail: { type: 'boolean', default: false }, delayMs: { type: 'integer', minimum: 0, default: 0 } },
    },
    async run(ctx) {
      calls.push(ctx.actionId);
      if (ctx.params.delayMs) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, ctx.params.delayMs);
          ctx.signal.addEventListener('abort', () => { clearTimeout(t); reject(new Error('aborted')); }, { once: true });
        });
      }
      if (ctx.params.fail) throw new NodeError('TOY_FAILED', `value ${ctx.params.value} failed on purpose`);
      await writeFile(join(ctx.outDir, 'value.txt'), String(ctx.params.value));
      return { metrics: { value: ctx.params.value } };
    },
  };
  const slow: NodeKind<{ value: string; chunks: number; ms: number }> = {
    kind: 'slow', version: '1',
    description: 'writes its output in timed chunks; logs each start to $TOY_CALLS (cross-process count); finishes only once the file $TOY_GATE exists',
    params: {
      type: 'object', required: ['value'],
      properties: { value: { type: 'string' }, chunks: { type: 'integer', default: 5 }, ms: { type: 'integer', default: 40 } },
    },
    async run(ctx) {
      calls.push(ctx.actionId);
      if (process.env.TOY_CALLS) await appendFile(process.env.TOY_CALLS, `${process.pid} ${ctx.actionId}\n`);
      const fh = await open(join(ctx.outDir, 'data.bin'), 'w');
      try {
        for (let i = 0; i < ctx.params.chunks; i++) {
          if (ctx.signal.aborted) throw new Error('aborted');
          await fh.write(`${ctx.params.value}:${i}\n`.repeat(1000));
          ctx.progress({ done: i + 1, total: ctx.params.chunks });
          await new Promise((r) => setTimeout(r, ctx.params.ms));
        }
      } finally {
        await fh.close();
      }
      // a test holds the action here (to kill the process, or to let another run overlap it) until it opens the gate
      while (process.env.TOY_GATE && !existsSync(process.env.TOY_GATE)) {
        if (ctx.signal.aborted) throw new Error('aborted');
        await new Promise((r) => setTimeout(r, 20));
      }
      return { metrics: { chunks: ctx.params.chunks } };
    },
  };
  return { kinds: { files, upper, length, concat, value, slow }, calls, reset: () => calls.splice(0) };
}
