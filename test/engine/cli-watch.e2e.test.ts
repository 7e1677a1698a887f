import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeProject, type Project } from './fixture.js';

const BIN = join(process.cwd(), 'bin', 'nnunet.js');
const PIPE = `version: 1
name: cmdwatch
nodes:
  shout: { uses: command, with: { run: "tr a-z A-Z < data/a.txt > up.txt", deps: [data/a.txt], outs: [up.txt] } }
  other: { uses: command, with: { run: "echo fixed > o.txt", outs: [o.txt] } }
`;

let p: Project;
beforeEach(async () => { p = await makeProject({ 'data/a.txt': 'hello\n' }, PIPE); });
afterEach(() => p.cleanup());

describe('nnunet watch (spawned CLI)', () => {
  it('reruns the branch of a touched input and stops cleanly on Ctrl-C', async () => {
    const child = spawn(process.execPath, [BIN, 'watch', 'pipeline.yaml', '-q', '--debounce', '100'], { cwd: p.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { out += String(d); });
    const closed = new Promise<number | null>((r) => child.once('close', r));
    const until = async (text: string): Promise<void> => {
      const end = Date.now() + 30_000;
      while (!out.includes(text)) {
        if (Date.now() > end) throw new Error(`no '${text}' in:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    await until('succeeded');
    await p.write('data/a.txt', 'changed\n');
    await until('reran because of it: shout\n');
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(out).toContain('changed: data/a.txt');
    expect(out).toMatch(/ {2}shout: \/.*data\/a\.txt changed [0-9a-f]{10} -> [0-9a-f]{10}\n/);
    // each cycle is a run `nnunet serve` can follow live: its own events.jsonl, from run-start to run-end
    const runs = join(p.root, 'runs');
    const logs = readdirSync(runs).map((id) => join(runs, id, 'events.jsonl')).filter((f) => existsSync(f));
    expect(logs).toHaveLength(2);
    for (const f of logs) {
      const types = readFileSync(f, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
      expect(types[0]).toBe('run-start');
      expect((JSON.parse(readFileSync(f, 'utf8').split('\n')[0]) as { nodes: string[] }).nodes.sort()).toEqual(['other', 'shout']);
      expect(types.at(-1)).toBe('run-end');
    }
    const rerun = logs.map((f) => readFileSync(f, 'utf8')).find((t) => t.includes('"action-end"') && t.includes('shout') && t.includes('"ran"'));
    expect(rerun).toBeDefined();
  });
});
