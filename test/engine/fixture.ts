import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temp project: pipeline.yaml, data/<id>.txt, its own store and runs folder. */
export interface Project {
  root: string;
  pipeline: string;
  store: string;
  runs: string;
  write(rel: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

export const TOY_PIPELINE = `version: 1
name: toy
params:
  data: ./data
  sep: "|"
  suffix: ""
nodes:
  src: { uses: files, with: { dir: \${params.data} } }
  up:  { uses: upper, needs: [src], with: { suffix: \${params.suffix} } }
  cls: { uses: length, needs: { files: src, src: up }, foreach: files }
  all: { uses: concat, needs: [cls], with: { sep: \${params.sep} } }
`;

export async function makeProject(files: Record<string, string> = { 'data/a.txt': 'a', 'data/b.txt': 'bb', 'data/c.txt': 'ccc' },
  pipeline = TOY_PIPELINE): Promise<Project> {
  const root = await mkdtemp(join(tmpdir(), 'nnunet-engine-'));
  const write = async (rel: string, text: string): Promise<void> => {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), text);
  };
  await write('pipeline.yaml', pipeline);
  for (const [rel, text] of Object.entries(files)) await write(rel, text);
  return {
    root, pipeline: join(root, 'pipeline.yaml'), store: join(root, '.nnunet'), runs: join(root, 'runs'), write,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
