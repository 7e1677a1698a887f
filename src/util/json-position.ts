import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/** Context characters V8 quotes on each side of an unexpected token (json-parser.cc's kMaxContextCharacters). */
const V8_CONTEXT = 10;

/**
 * The offset of an "Unexpected token" error, which V8 reports without a position: it quotes the source around the
 * token instead, 10 characters each side, with "..." where it cut (the whole source when it is short).
 */
function unexpectedTokenOffset(text: string, message: string): number | undefined {
  const m = /^Unexpected token '([\s\S]+?)', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!m) return undefined;
  const [, token, before, quoted, after] = m;
  if (before && after) {
    const at = text.indexOf(quoted);
    return at < 0 ? undefined : at + V8_CONTEXT;
  }
  if (after) return quoted.length - V8_CONTEXT;
  if (before) return text.length - quoted.length + V8_CONTEXT;
  const at = text.indexOf(token);
  return at < 0 ? undefined : at;
}

/**
 * Where a JSON.parse error points, as 1-based line and column, so a broken dataset.json or plans file is
 * reported like a YAML error: file:line:col. V8 says "... at position N", quotes the text around an unexpected
 * token, or says nothing (unexpected end).
 */
export function jsonErrorPosition(text: string, err: unknown): { line: number; column: number } {
  const message = (err as Error)?.message ?? '';
  const m = /position (\d+)/.exec(message);
  // V8 gives no position for a byte order mark (editors on Windows write one); Python's json refuses it too
  const found = m ? Number(m[1]) : text.startsWith('\ufeff') ? 0 : unexpectedTokenOffset(text, message);
  const pos = Math.min(found ?? text.length, text.length);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  return { line, column: pos - before.lastIndexOf('\n') };
}

export interface JsonLocator {
  /** line and column of the value at `path` (a key list), or of its nearest existing parent */
  at(path: ReadonlyArray<string | number>): { line: number; column: number };
  /** keys that appear twice in one object: JSON.parse silently keeps the last, so a case or label would vanish */
  duplicateKeys: Array<{ key: string; line: number; column: number }>;
}

/** Positions inside a JSON text that JSON.parse accepted (JSON is YAML 1.2, whose parser keeps ranges). */
export function locateJson(text: string): JsonLocator {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const duplicateKeys = doc.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => {
    const m = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(e.pos[0]));
    return { key: m ? (JSON.parse(`"${m[1]}"`) as string) : '?', ...pos(e.pos[0]) };
  });
  return {
    duplicateKeys,
    at(path) {
      let node = doc.contents as unknown;
      let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
      for (const seg of path) {
        if (isMap(node)) {
          const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
          if (!pair) break;
          node = pair.value;
        } else if (isSeq(node) && /^\d+$/.test(String(seg)) && node.items[Number(seg)]) {
          // JSON pointers carry indices as strings: /dataset/case_a/images/1
          node = node.items[Number(seg)];
        } else {
          break;
        }
        offset = (node as YamlNode | null)?.range?.[0] ?? offset;
      }
      return pos(offset);
    },
  };
}
