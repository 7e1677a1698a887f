import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/**
 * Where a JSON.parse error points, as 1-based line and column, so a broken dataset.json or plans file is
 * reported like a YAML error: file:line:col. V8 says "... at position N" (or nothing, for unexpected end).
 */
export function jsonErrorPosition(text: string, err: unknown): { line: number; column: number } {
  const m = /position (\d+)/.exec((err as Error)?.message ?? '');
  // V8 gives no position for a byte order mark (editors on Windows write one); Python's json refuses it too
  const pos = m ? Math.min(Number(m[1]), text.length) : text.startsWith('\ufeff') ? 0 : text.length;
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
        } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
          node = node.items[seg];
        } else {
          break;
        }
        offset = (node as YamlNode | null)?.range?.[0] ?? offset;
      }
      return pos(offset);
    },
  };
}
