import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { NnunetError, NodeError, PipelineError } from '../engine/index.js';
import { exitCodeFor, formatError } from './format-error.js';

describe('formatError', () => {
  it('prints every issue as file:line:col  path  message [CODE]', () => {
    const err = new PipelineError('PIPELINE_INVALID', '2 problems in the pipeline', {}, {
      issues: [
        { code: 'PIPELINE_UNKNOWN_NEED', message: "node 'b' needs unknown node 'x'", file: `${process.cwd()}/p.yaml`, line: 4, column: 9, path: '/nodes/b/needs/0' },
        { code: 'PIPELINE_UNKNOWN_TARGET', message: "no node named 'z' in the pipeline" },
      ],
    });
    expect(formatError(err)).toBe([
      '2 problems in the pipeline:',
      "p.yaml:4:9  /nodes/b/needs/0  node 'b' needs unknown node 'x' [PIPELINE_UNKNOWN_NEED]",
      "no node named 'z' in the pipeline [PIPELINE_UNKNOWN_TARGET]",
    ].join('\n'));
  });
  it('lists the first 50 problems and counts the rest', () => {
    const issues = Array.from({ length: 120 }, (_, i) => ({ code: 'PIPELINE_YAML', message: `duplicate key 'x'`, file: `${process.cwd()}/p.yaml`, line: i + 3, column: 3 }));
    const lines = formatError(new PipelineError('PIPELINE_YAML', 'invalid YAML: 120 duplicate keys', issues[0], { issues })).split('\n');
    expect(lines).toHaveLength(52);
    expect(lines[0]).toBe('invalid YAML: 120 duplicate keys:');
    expect(lines[50]).toBe("p.yaml:52:3  duplicate key 'x' [PIPELINE_YAML]");
    expect(lines[51]).toBe('... and 70 more problem(s), not listed');
  });
  it('uses the error itself when it has no issues', () => {
    expect(formatError(new NodeError('DATASET_MISSING_LABEL', 'no label file', { file: '/abs/x.json', node: 'dataset', item: 'hippo_7' })))
      .toBe('/abs/x.json  dataset case hippo_7  no label file [DATASET_MISSING_LABEL]');
  });
  it('prints a bug (not an NnunetError) as one line without its stack, unless NNUNET_DEBUG is set', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'shape')");
    const debug = process.env.NNUNET_DEBUG;
    delete process.env.NNUNET_DEBUG;
    try {
      expect(formatError(bug)).toBe("internal error: TypeError: Cannot read properties of undefined (reading 'shape') (NNUNET_DEBUG=1 prints the stack trace) [INTERNAL]");
      process.env.NNUNET_DEBUG = '1';
      expect(formatError(bug)).toMatch(/^TypeError: Cannot read[^\n]*\n\s+at /);
    } finally {
      if (debug === undefined) delete process.env.NNUNET_DEBUG;
      else process.env.NNUNET_DEBUG = debug;
    }
  });
  it('maps errors to exit codes: 2 usage/pipeline, 130 interrupted, 1 otherwise', () => {
    expect(exitCodeFor(new PipelineError('X', 'x'))).toBe(2);
    expect(exitCodeFor(new NnunetError('CLI_BAD_FOLD', 'x'))).toBe(2);
    expect(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'bad'))).toBe(2);
    expect(exitCodeFor(new CommanderError(0, 'commander.helpDisplayed', ''))).toBe(0);
    expect(exitCodeFor(new NnunetError('RUN_ABORTED', 'x'))).toBe(130);
    expect(exitCodeFor(new NnunetError('RUN_FAILED', 'x'))).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });
});
