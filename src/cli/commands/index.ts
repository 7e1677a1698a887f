/**
 * Every `nnunet` subcommand, one module each under src/cli/commands/, each exporting
 * `register(program: Command): void`. Add a command: one import line and one entry below.
 */
import type { Command } from 'commander';
import { register as evaluate } from './evaluate.js';
import { register as doctor } from './doctor.js';

export const commands: Array<(program: Command) => void> = [
  evaluate,
  doctor,
];
