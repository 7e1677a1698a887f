/**
 * Parsers for commander options: a value that is not a number is a usage error that quotes it
 * (`--jobs abc` used to become NaN and fail later with a message about something else).
 */
import { InvalidArgumentError, Option } from 'commander';

export function int(value: string): number {
  // decimal digits only: Number() also takes 0x10, 1e3 and integers too large to be exact
  const n = Number(value);
  if (!/^\s*[-+]?\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got '${value}'.`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = int(value);
  if (n < 0) throw new InvalidArgumentError(`expected a whole number >= 0, got '${value}'.`);
  return n;
}

export function positiveInt(value: string): number {
  const n = int(value);
  if (n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got '${value}'.`);
  return n;
}

export function num(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got '${value}'.`);
  return n;
}

/** For variadic options (`--patch-size 40 56 40`): one parsed value appended per occurrence. */
export const listOf = <T>(parse: (v: string) => T) => (value: string, previous: T[] = []): T[] => [...previous, parse(value)];

/**
 * An nnU-Net flag that is accepted so its command lines run unchanged, and changes nothing here (process counts:
 * the workers are sized by themselves; progress and device flags that have no counterpart). Hidden from --help.
 */
export const noEffect = (flags: string, parse?: (v: string) => unknown): Option => {
  const o = new Option(flags).hideHelp();
  return parse ? o.argParser(parse) : o;
};
