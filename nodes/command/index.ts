import type { NodeKind } from '../../src/engine/index.js';
import { runCommand } from './command.js';
import { paramsSchema, type CommandParams } from './params.js';

/** Built-in kind: an external program with declared deps and outs, cached like a DVC stage. */
export const command: NodeKind<CommandParams> = {
  kind: 'command',
  version: '1',
  description: 'run an external program; deps, params, env and cwd form its key, its outs become the output',
  params: paramsSchema,
  externalInputs: (p) => p.deps,
  run: runCommand,
};
