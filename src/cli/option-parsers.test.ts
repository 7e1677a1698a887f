import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from './format-error.js';
import { buildProgram } from './main.js';
import { int, listOf, nonNegativeInt, num, positiveInt } from './option-parsers.js';

describe('option parsers', () => {
  it('accept numbers and reject anything else with the value quoted', () => {
    expect(int('12')).toBe(12);
    expect(num('0.5')).toBe(0.5);
    expect(listOf(int)('3', [1, 2])).toEqual([1, 2, 3]);
    for (const [parse, bad] of [[int, 'abc'], [int, '1.5'], [int, ''], [int, '0x10'], [int, '1e3'], [int, '99999999999999999999'], [num, 'x'], [positiveInt, '0'],
      [nonNegativeInt, '-5']] as const) {
      expect(() => parse(bad)).toThrow(InvalidArgumentError);
      expect(() => parse(bad)).toThrow(`'${bad}'`);
    }
  });

  it('make `nnunet run --jobs abc` a usage error (exit 2) that quotes the option and the value', async () => {
    const program = buildProgram();
    let err = '';
    program.configureOutput({ writeErr: (s) => { err += s; }, writeOut: () => undefined });
    for (const c of program.commands) c.configureOutput({ writeErr: (s) => { err += s; }, writeOut: () => undefined });
    const e = await program.parseAsync(['node', 'nnunet', 'run', 'p.yaml', '--jobs', 'abc']).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'commander.invalidArgument' });
    expect(exitCodeFor(e)).toBe(2);
    expect(err).toContain("option '-j, --jobs <n>' argument 'abc' is invalid. expected a whole number, got 'abc'.");
  });
});
