import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import { PipelineError, type ErrorContext, type Issue } from '../errors.js';
import { sha256 } from '../hash/digest.js';
import { readBounded, UnreadableFileError } from '../../util/read-bounded.js';

export type DocPath = ReadonlyArray<string | number>;

/** A parsed pipeline file that can say where any value came from (file:line:col). */
export interface LoadedYaml {
  readonly file?: string;
  readonly text: string;
  readonly digest: string;
  readonly data: unknown;
  /** position of the value at `path` (or of its key when `key` is true); falls back to the nearest parent */
  locate(path: DocPath, key?: boolean): ErrorContext;
}

export function pointer(path: DocPath): string {
  return path.length === 0 ? '' : `/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/**
 * Past this a file is not a pipeline (generated ones with thousands of nodes stay far below), and parsing it would
 * take minutes and gigabytes: refused before it is read.
 */
export const MAX_PIPELINE_BYTES = 16 * 2 ** 20;

export async function loadPipelineText(opts: { pipelineFile?: string; pipelineText?: string }): Promise<{ file?: string; text: string }> {
  if (opts.pipelineText !== undefined) return { file: opts.pipelineFile, text: opts.pipelineText };
  if (!opts.pipelineFile) throw new PipelineError('PIPELINE_MISSING', 'no pipeline file or text given');
  let bytes: Buffer;
  try {
    bytes = await readBounded(opts.pipelineFile, MAX_PIPELINE_BYTES);
  } catch (cause) {
    if (cause instanceof UnreadableFileError) {
      throw new PipelineError(cause.reason === 'too-large' ? 'PIPELINE_TOO_LARGE' : 'PIPELINE_NOT_TEXT', `not a pipeline file: ${cause.message}`,
        { file: opts.pipelineFile }, { cause });
    }
    throw new PipelineError('PIPELINE_NOT_FOUND', `cannot read pipeline file: ${(cause as Error).message}`,
      { file: opts.pipelineFile }, { cause });
  }
  return { file: opts.pipelineFile, text: decodeText(bytes, opts.pipelineFile) };
}

/** The file's text, or an error that says it is not text (never its bytes: they could be anything). */
function decodeText(bytes: Buffer, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PipelineError('PIPELINE_NOT_TEXT', 'not a UTF-8 text file (is it the right file?)', { file });
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const lines = text.slice(0, nul).split('\n');
    throw new PipelineError('PIPELINE_NOT_TEXT', 'not a UTF-8 text file: it holds NUL bytes (is it the right file?)',
      { file, line: lines.length, column: lines[lines.length - 1].length + 1 });
  }
  return text;
}

/** Aliases a document may expand (yaml's guard against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 1000;
/** Deeper than this is not a pipeline; stopping here keeps every recursive step below the stack limit. */
export const MAX_DEPTH = 64;

// `${a.b}` is not valid in YAML flow context ({ } are flow indicators), yet `with: { x: ${params.x} }` is
// the natural way to write a node. References are swapped for same-length private-use characters before
// parsing (so every line:col stays true) and swapped back in the parsed values.
const OPEN = '\uE000';
const CLOSE = '\uE001';
// A reference never holds quotes: an unclosed `"${x"` must not swallow the closing quote and what follows.
const protect = (text: string): string => text.replace(/\$\{([^{}\n"']*)\}/g, (_m, e: string) => `$${OPEN}${e}${CLOSE}`);
const restoreString = (s: string): string => s.replaceAll(`$${OPEN}`, '${').replaceAll(CLOSE, '}');

function restore(value: unknown): unknown {
  if (typeof value === 'string') return restoreString(value);
  if (Array.isArray(value)) return value.map(restore);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [restoreString(k), restore(v)]));
  }
  return value;
}

const tooDeep = (file?: string, at: ErrorContext = {}): PipelineError => new PipelineError('PIPELINE_TOO_DEEP',
  `nesting is too deep: a pipeline nests at most ${MAX_DEPTH} levels of lists and maps`, { file, ...at });

/** Nesting depth of parsed data, without recursion (the data may be as deep as the parser allowed). */
function depthOf(value: unknown): { depth: number; path: Array<string | number> } {
  let best = { depth: 0, path: [] as Array<string | number> };
  const stack: Array<[unknown, Array<string | number>]> = [[value, []]];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length + 1 > best.depth) best = { depth: path.length + 1, path };
    if (best.depth > MAX_DEPTH) break;
    for (const [k, c] of Object.entries(v)) stack.push([c, [...path, Array.isArray(v) ? Number(k) : k]]);
  }
  return best;
}

export function parseYaml(text: string, file?: string): LoadedYaml {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    // yaml's own uniqueKeys compares each key with every earlier one (minutes for a large file): checked below
    doc = parseDocument(protect(text), { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(file);
    throw err;
  }
  const at = (offset: number): ErrorContext => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    // the first error is the cause; later ones are the parser losing its footing after it (one tab gave 17)
    const e = doc.errors[0];
    if (/call stack/i.test(e.message)) throw tooDeep(file, at(e.pos[0]));
    // the library's hint names its own API; a pipeline is one document
    const message = e.code === 'MULTIPLE_DOCS' ? 'a pipeline file holds one YAML document; this one starts a second (---)' : restoreString(e.message.split('\n')[0]);
    const issue: Issue = { code: 'PIPELINE_YAML', message, ...at(e.pos[0]) };
    throw new PipelineError('PIPELINE_YAML', `invalid YAML: ${issue.message}`, issue, { issues: [issue] });
  }
  // an unknown tag (!shell, !!python/object) would silently become a plain string: whatever it meant, it is not done
  const tag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (tag) {
    const issue: Issue = { code: 'PIPELINE_YAML', message: `unsupported tag ${/tag: (\S+)/.exec(tag.message)?.[1] ?? ''} (pipelines use plain YAML values)`, ...at(tag.pos[0]) };
    throw new PipelineError('PIPELINE_YAML', `invalid YAML: ${issue.message}`, issue, { issues: [issue] });
  }
  let dups: ReturnType<typeof duplicateKeys>;
  try {
    dups = duplicateKeys(doc);
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(file);
    throw err;
  }
  if (dups.length > 0) {
    const issues: Issue[] = dups.map((d) => ({ code: 'PIPELINE_YAML', message: `duplicate key '${restoreString(d.key)}'`, ...at(d.offset) }));
    const message = issues.length === 1 ? `invalid YAML: ${issues[0].message}` : `invalid YAML: ${issues.length} duplicate keys`;
    throw new PipelineError('PIPELINE_YAML', message, issues[0], { issues });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(file);
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new PipelineError('PIPELINE_YAML_ALIASES', `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} uses): refusing a document that may grow without bound`, { file });
    }
    throw err;
  }
  const deep = depthOf(data);
  const locate = (path: DocPath, key = false): ErrorContext => ({ ...at(findOffset(doc, path, key)), path: pointer(path) });
  if (deep.depth > MAX_DEPTH) throw tooDeep(file, locate(deep.path.slice(0, MAX_DEPTH)));
  return {
    file,
    text,
    digest: sha256(text),
    data: restore(data),
    locate,
  };
}

/** Every key repeated within its map (each repeat after the first), in one pass with a set per map. */
function duplicateKeys(doc: Document): Array<{ key: string; offset: number }> {
  const found: Array<{ key: string; offset: number }> = [];
  visit(doc, {
    Map(_k, map) {
      const seen = new Set<string>();
      for (const p of map.items) {
        if (!isScalar(p.key)) continue;
        const k = String(p.key.value);
        if (seen.has(k)) found.push({ key: k, offset: p.key.range?.[0] ?? 0 });
        seen.add(k);
      }
    },
  });
  return found;
}

function findOffset(doc: Document, path: DocPath, key: boolean): number {
  let node: YamlNode | null | undefined = doc.contents as YamlNode | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg).replaceAll('${', `$${OPEN}`).replaceAll('}', CLOSE));
      if (!pair) return offset;
      const last = i === path.length - 1;
      const k = pair.key as YamlNode;
      if (last && key) return k.range?.[0] ?? offset;
      node = pair.value as YamlNode | null;
      offset = node?.range?.[0] ?? k.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as YamlNode | undefined;
      if (!node) return offset;
      offset = node.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}
