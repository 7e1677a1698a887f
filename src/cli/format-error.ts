import { relative } from 'node:path';
import { CommanderError } from 'commander';
import { fsError, NnunetError, PipelineError, type ErrorContext, type Issue } from '../engine/index.js';

function where(c: ErrorContext): string {
  if (!c.file) return '';
  const rel = relative(process.cwd(), c.file);
  const file = rel && !rel.startsWith('..') ? rel : c.file;
  return c.line !== undefined ? `${file}:${c.line}:${c.column ?? 1}` : file;
}

/** Runtime errors have no YAML position; the action and case say where instead. */
function subject(c: ErrorContext): string {
  if (c.line !== undefined) return '';
  return [c.node, c.item !== undefined ? `case ${c.item}` : ''].filter(Boolean).join(' ');
}

function line(i: Issue | (ErrorContext & { code: string; message: string })): string {
  const parts = [where(i), i.path ?? '', subject(i), i.message].filter((p) => p !== '');
  return `${parts.join('  ')} [${i.code}]`;
}

/** A hostile file can hold tens of thousands of the same mistake; past this many, the rest is counted. */
const MAX_LISTED = 50;

/**
 * Every problem, one per line: `file:line:col  path  message [CODE]` (the first MAX_LISTED, then a count). Only the
 * CLI turns errors into text; the engine hands over data (code, context, issues).
 */
export function formatError(thrown: unknown): string {
  // a pipeline file that cannot be read stays a pipeline error (exit 2)
  const err = thrown instanceof PipelineError ? thrown : fsError(thrown) ?? thrown;
  if (err instanceof NnunetError) {
    const issues = err.issues.length ? err.issues : [{ ...err.context, code: err.code, message: err.message }];
    const head = err.issues.length > 1 ? [`${err.message}:`] : [];
    const rest = issues.length - MAX_LISTED;
    const more = rest > 0 ? [`... and ${rest} more problem(s), not listed`] : [];
    return [...head, ...issues.slice(0, MAX_LISTED).map(line), ...more].join('\n');
  }
  if (err instanceof CommanderError) return err.message;
  // a bug, not bad input: users get one line, developers the stack on request
  if (process.env.NNUNET_DEBUG) return err instanceof Error ? (err.stack ?? err.message) : String(err);
  const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return `internal error: ${what} (NNUNET_DEBUG=1 prints the stack trace) [INTERNAL]`;
}

/** 2 for usage and pipeline errors (nothing ran), 130 for an interrupted run, 1 for failures while running. */
export function exitCodeFor(err: unknown): number {
  if (!(err instanceof PipelineError) && fsError(err)) return 1;
  if (err instanceof PipelineError || (err instanceof NnunetError && err.code.startsWith('CLI_'))) return 2;
  if (err instanceof NnunetError && err.code === 'RUN_ABORTED') return 130;
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  return 1;
}
