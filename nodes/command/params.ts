import type { JSONSchemaType } from 'ajv';

export interface CommandParams {
  /** a shell command line (run by /bin/sh -c), or an argv list run without a shell */
  run: string | string[];
  /** files/folders the command reads: digested into the action key, watched by `nnunet watch` */
  deps: string[];
  /** paths (relative to cwd) the command must write; copied into the action's output tree */
  outs: string[];
  /** working directory; part of the key (default: the pipeline's folder) */
  cwd: string;
  /** extra environment variables; part of the key (the inherited environment is not) */
  env: Record<string, string>;
  /** JSON file (relative to cwd) the command writes with metrics to record, like DVC metrics */
  metrics?: string;
}

/** relative, and never through `..`: outs and metrics are read from inside cwd */
const INSIDE = '^(?!/)(?!.*(^|/)\\.\\.(/|$)).+$';
const INSIDE_MESSAGE = "must be a path inside cwd (relative, without '..')";

export const paramsSchema = {
  type: 'object',
  required: ['run'],
  additionalProperties: false,
  properties: {
    run: {
      oneOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', items: { type: 'string' }, minItems: 1 },
      ],
    } as never,
    deps: { type: 'array', items: { type: 'string', format: 'path' }, default: [] },
    outs: { type: 'array', items: { type: 'string', pattern: INSIDE, 'x-message': INSIDE_MESSAGE } as never, default: [] },
    cwd: { type: 'string', format: 'path', default: '.' },
    env: { type: 'object', additionalProperties: { type: 'string' }, required: [], default: {} },
    metrics: { type: 'string', nullable: true, pattern: INSIDE, 'x-message': INSIDE_MESSAGE } as never,
  },
} satisfies JSONSchemaType<CommandParams>;
