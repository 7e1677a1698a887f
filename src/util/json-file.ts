import { basename } from 'node:path';
import { jsonErrorPosition } from './json-position.js';
import { parsePythonJson } from './py-json.js';
import { MAX_JSON_BYTES, readBounded } from './read-bounded.js';

/** A JSON file that cannot be read or parsed; the message starts with file[:line:column]. */
class JsonFileError extends Error {
  constructor(message: string, readonly where: { file: string; line?: number; column?: number }, options: { cause: unknown }) {
    super(message, options);
    this.name = 'JsonFileError';
  }
}

/** Where a text stops being UTF-8, as line and column of the first replaced character. */
function notUtf8(bytes: Buffer, text: string): { line: number; column: number } | undefined {
  const bad = text.indexOf('\ufffd');
  // a U+FFFD the file itself holds is fine: only one that decoding made is an error
  if (bad < 0 || Buffer.from(text, 'utf8').equals(bytes)) return undefined;
  const before = text.slice(0, bad);
  return { line: before.split('\n').length, column: bad - before.lastIndexOf('\n') };
}

/**
 * A JSON file (Python's NaN/Infinity allowed) as text and value. Every failure is a JsonFileError naming the file:
 * not a regular file, too large, not UTF-8, a byte order mark, invalid or too deeply nested JSON (with line:column).
 */
async function readJsonFile(file: string, opts: { what?: string; maxBytes?: number; nonFinite?: 'number' | 'null' } = {}): Promise<{ text: string; value: unknown }> {
  const what = opts.what ?? basename(file);
  let bytes: Buffer;
  try {
    bytes = await readBounded(file, opts.maxBytes ?? MAX_JSON_BYTES);
  } catch (cause) {
    throw new JsonFileError(`${file}: cannot read ${what} (${(cause as Error).message})`, { file }, { cause });
  }
  const text = bytes.toString('utf8');
  const fail = (why: string, at: { line: number; column: number }, cause: unknown) =>
    new JsonFileError(`${file}:${at.line}:${at.column}: ${what} is not valid JSON (${why})`, { file, ...at }, { cause });
  const badByte = notUtf8(bytes, text);
  if (badByte) throw fail('not UTF-8 text: save it as UTF-8', badByte, undefined);
  if (text.startsWith('\ufeff')) throw fail('it starts with a byte order mark: save it as UTF-8 without BOM', { line: 1, column: 1 }, undefined);
  try {
    return { text, value: parsePythonJson(text, { nonFinite: opts.nonFinite }) };
  } catch (cause) {
    throw fail((cause as Error).message, jsonErrorPosition(text, cause), cause);
  }
}

/** An error class of the caller's (NodeError, DatasetError, ...): code, message, where, cause. */
type ErrorClass = new (code: string, message: string, where: JsonFileError['where'], options: { cause: unknown }) => Error;

/** readJsonFile whose failure is the caller's error class and code, with the same message and position. */
export async function readJsonFileAs(file: string, opts: Parameters<typeof readJsonFile>[1], as: { error: ErrorClass; code: string }): Promise<{ text: string; value: unknown }> {
  try {
    return await readJsonFile(file, opts);
  } catch (err) {
    if (err instanceof JsonFileError) throw new as.error(as.code, err.message, err.where, { cause: err });
    throw err;
  }
}
