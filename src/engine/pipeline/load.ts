import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { PipelineError, type ErrorContext, type Issue } from '../errors.js';
import { sha256 } from '../hash/digest.js';

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

export async function loadPipelineText(opts: { pipelineFile?: string; pipelineText?: string }): Promise<{ file?: string; text: string }> {
  if (opts.pipelineText !== undefined) return { file: opts.pipelineFile, text: opts.pipelineText };
  if (!opts.pipelineFile) throw new PipelineError('PIPELINE_MISSING', 'no pipeline file or text given');
  try {
    return { file: opts.pipelineFile, text: await readFile(opts.pipelineFile, 'utf8') };
  } catch (cause) {
    throw new PipelineError('PIPELINE_NOT_FOUND', `cannot read pipeline file: ${(cause as Error).message}`,
      { file: opts.pipelineFile }, { cause });
  }
}

// `${a.b}` is not valid in YAML flow context ({ } are flow indicators), yet `with: { x: ${params.x} }` is
// the natural way to write a node. References are swapped for same-length private-use characters before
// parsing (so every line:col stays true) and swapped back in the parsed values.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const protect = (text: string): string => text.replace(/\$\{([^{}\n]*)\}/g, (_m, e: string) => `$${OPEN}${e}${CLOSE}`);
const restoreString = (s: string): string => s.replaceAll(`$${OPEN}`, '${').replaceAll(CLOSE, '}');

function restore(value: unknown): unknown {
  if (typeof value === 'string') return restoreString(value);
  if (Array.isArray(value)) return value.map(restore);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [restoreString(k), restore(v)]));
  }
  return value;
}

export function parseYaml(text: string, file?: string): LoadedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(protect(text), { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues: Issue[] = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return { code: 'PIPELINE_YAML', message: restoreString(e.message.split('\n')[0]), file, line: pos.line, column: pos.col };
    });
    throw new PipelineError('PIPELINE_YAML', `invalid YAML: ${issues[0].message}`, issues[0], { issues });
  }
  const at = (offset: number): ErrorContext => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  return {
    file,
    text,
    digest: sha256(text),
    data: restore(doc.toJS()),
    locate(path, key = false) {
      return { ...at(findOffset(doc, path, key)), path: pointer(path) };
    },
  };
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
